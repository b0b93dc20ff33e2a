// vivid test: the Image pass shows Buffer B, Buffer A and its own k() times Common's scale.
//! iChannel0 = bufb
//! iChannel1 = bufa
float k() { return 1.0; }
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = vec4(texture(iChannel0, uv).r, texture(iChannel1, uv).r, k() * shared_scale(), 1.0);
}

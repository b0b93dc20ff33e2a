// Buffer A: its own previous frame, decayed, plus the noise input.
//! iChannel0 = bufa
//! iChannel1 = input0
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = texture(iChannel0, uv) * 0.95 + texture(iChannel1, uv) * 0.05;
}

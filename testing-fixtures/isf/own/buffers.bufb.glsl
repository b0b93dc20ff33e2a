// vivid test: Buffer B doubles Buffer A (rendered before it: this frame's).
//! iChannel0 = bufa
float k() { return 2.0; }
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = texture(iChannel0, fragCoord / iResolution.xy) * vec4(k(), 1.0, 1.0, 1.0);
}

// Image: Buffer B, tinted.
//! iChannel0 = bufb
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = texture(iChannel0, fragCoord / iResolution.xy) * vec4(1.0, 0.8, 0.6, 1.0);
}

// vivid test: Buffer A counts frames in 1/64ths, reading itself (its previous frame).
//! iChannel0 = bufa
float k() { return 3.0; }
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = texelFetch(iChannel0, ivec2(fragCoord), 0) + vec4(1.0 / 64.0, 0.0, 0.0, k() - 2.0);
    fragColor.a = 1.0;
}

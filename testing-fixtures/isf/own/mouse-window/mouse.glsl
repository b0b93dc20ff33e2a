// vivid test: the whole output is (iMouse.x / width, iMouse.y / height, 1 while pressed).
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = vec4(iMouse.xy / iResolution.xy, iMouse.z > 0.0 ? 1.0 : 0.0, 1.0);
}

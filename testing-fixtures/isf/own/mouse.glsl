// vivid test: Shadertoy's iMouse in output pixels, scaled by the resolution.
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = iMouse / vec4(iResolution.xy, iResolution.xy);
}

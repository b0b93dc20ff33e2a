// vivid test: a Shadertoy global initialized from iResolution.
vec2 res = iResolution.xy;
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = vec4(res / 64.0, 0.0, 1.0);
}

// vivid test: a Shadertoy image shader — coordinates, iResolution and iChannel0.
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = vec4(uv, texture(iChannel0, uv).r, float(iFrame >= 0));
}

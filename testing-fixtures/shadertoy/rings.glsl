// Rings around the centre, tinted by iChannel0 (a vivid test file for `type = "shadertoy"`).
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float r = length(p);
    float rings = 0.5 + 0.5 * cos(24.0 * r - 4.0 * iTime);
    vec3 tint = texture(iChannel0, fragCoord / iResolution.xy).rgb;
    fragColor = vec4(mix(tint, vec3(1.0), rings * smoothstep(1.2, 0.2, r)), 1.0);
}

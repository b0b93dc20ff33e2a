// Buffer B: a 5-tap blur of this frame's Buffer A.
//! iChannel0 = bufa
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 px = 1.0 / iResolution.xy;
    vec2 uv = fragCoord * px;
    fragColor = (texture(iChannel0, uv) * 2.0
        + texture(iChannel0, uv + vec2(px.x, 0.0)) + texture(iChannel0, uv - vec2(px.x, 0.0))
        + texture(iChannel0, uv + vec2(0.0, px.y)) + texture(iChannel0, uv - vec2(0.0, px.y))) / 6.0;
}

// The error overlay: text from a grid of character codes, drawn with an 8×8 bitmap font
// in a dark box at the top-left of the target, over the chain's output.
#import "common/fullscreen.wgsl"
#import "common/color.wgsl"

struct Overlay {
    // Box in target pixels.
    box_min: vec2<f32>,
    box_max: vec2<f32>,
    // Size of one character cell in pixels.
    cell: vec2<f32>,
    // Columns and rows of the text grid.
    grid: vec2<u32>,
    // 1 when the target view encodes sRGB.
    target_is_srgb: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Overlay;
// 128 glyphs of 8×8 in a 16×8 grid (R8Unorm).
@group(0) @binding(1) var font: texture_2d<f32>;
// Character codes (R32Uint), one texel per cell.
@group(0) @binding(2) var text: texture_2d<u32>;

const PADDING: f32 = 8.0;

@fragment
fn fs_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let p = position.xy;
    if any(p < u.box_min) || any(p >= u.box_max) {
        discard;
    }
    let local = p - u.box_min - vec2<f32>(PADDING);
    var ink = 0.0;
    if all(local >= vec2<f32>(0.0)) {
        let cell = vec2<u32>(local / u.cell);
        if cell.x < u.grid.x && cell.y < u.grid.y {
            let code = textureLoad(text, vec2<i32>(cell), 0).r & 127u;
            let inside = vec2<i32>((local - vec2<f32>(cell) * u.cell) / u.cell * 8.0);
            let glyph = vec2<i32>(i32(code % 16u) * 8, i32(code / 16u) * 8) + inside;
            ink = textureLoad(font, glyph, 0).r;
        }
    }
    var c = mix(vec3<f32>(0.30, 0.03, 0.03), vec3<f32>(1.0, 0.94, 0.86), ink);
    if u.target_is_srgb != 0u {
        c = srgb_to_linear(c);
    }
    return vec4<f32>(c, 1.0);
}

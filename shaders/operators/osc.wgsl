//! Sine stripes, one per channel (Hydra's osc): frequency, sync (scroll speed), offset between channels.
//!
//! Hydra's formula on user uv x (0..1 across the image): green is
//! `sin((x + time * sync) * frequency) * 0.5 + 0.5`, red and blue the same at
//! `x - offset / frequency` and `x + offset / frequency`; `phase` adds a phase per channel
//! (in turns) and `rotate` turns the stripes about the centre. Opaque.
//!
//! category: generator
//! inputs: 0

struct Params {
    frequency: f32,    // default=60 range=-100000..100000 Hydra's frequency: radians per image width (60: about 9.5 stripes across).
    sync: f32,         // default=0.1 range=-1000..1000 Scroll speed, image widths per second.
    offset: f32,       // default=0 range=-1000..1000 Phase of red behind and blue ahead of green, radians (Hydra's offset).
    phase: vec3<f32>,  // default=[0, 0, 0] range=-1000..1000 Phase added to red, green and blue, in turns (1: a whole stripe).
    rotate: f32,       // default=0 range=-36000..36000 Rotation of the stripes about the centre, degrees counter-clockwise.
}

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = aspect(vivid);
    // Rotated about the centre in aspect-correct units, back to image widths.
    let d = (user_uv(uv) - 0.5) * vec2<f32>(a, 1.0);
    let angle = radians(params.rotate);
    let x = (cos(angle) * d.x + sin(angle) * d.y) / a + 0.5;
    let f = params.frequency;
    let o = select(params.offset / f, 0.0, f == 0.0);
    let base = vec3<f32>(x - o, x, x + o) + vivid.time * params.sync;
    let v = sin(base * f + params.phase * TAU) * 0.5 + 0.5;
    return vec4<f32>(v, 1.0);
}

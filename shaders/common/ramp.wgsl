// A colour ramp of up to 8 stops: what `ramp` draws and `gradient_map` maps luminance
// through. The operator declares the stops as list parameters
//
//     stops: array<vec4<f32>, 8>,     // colors ...
//     positions: array<vec4<f32>, 8>, // floats range=0..1 ...
//     stop_count: u32,                // count=stops
//     position_count: u32,            // count=positions
//
// and calls `ramp_at(t)`, which reads those four fields of its `params`.
//
// (The walk reads the uniform block itself rather than taking the arrays as arguments:
// WGSL passes arrays by value, and an array value indexed in a loop is copied to local
// memory — 40 µs at 1080p for `ramp` on the H200, 24 reading `params`. Fusion gives each
// fused member its own copy of a helper that reads `params`.)
//
// Stop i sits at `positions[i].x` when that many positions are given; the stops past the
// given ones are spread evenly between the last given position and 1 (with none given:
// evenly from 0 to 1). Colours (straight RGBA) are interpolated linearly in premultiplied
// RGBA, so a ramp towards a transparent stop has no dark fringe. Before the first stop:
// the first colour; after the last: the last. A stop at or before the one before it is a
// hard edge. No stops: transparent black.

const RAMP_STOPS: u32 = 8u;

// Where stop `i` of `n` sits: its own position `given` when `g` positions are given and it
// has one; else spread evenly after `last`, the last position given (from 0 when none is).
fn ramp_position(given: f32, i: u32, n: u32, g: u32, last: f32) -> f32 {
    if i < g {
        return given;
    }
    if g == 0u {
        return select(f32(i) / f32(n - 1u), 0.0, n <= 1u);
    }
    return last + (1.0 - last) * f32(i + 1u - g) / f32(n - g);
}

// The last position given (`positions[g - 1]`), or 0 when none is.
fn ramp_last_given(position: f32, g: u32) -> f32 {
    return select(0.0, position, g > 0u);
}

// The walk's start: the first stop, premultiplied (transparent black without stops).
fn ramp_first(stop: vec4<f32>, n: u32) -> vec4<f32> {
    return select(vec4<f32>(0.0), vec4<f32>(stop.rgb * stop.a, stop.a), n > 0u);
}

// The colour `c` at `t` once the stop at `q` (after one at `prev`) is passed: mixed
// towards it across the segment, or at once where the segment is empty (a hard edge).
fn ramp_step(c: vec4<f32>, prev: f32, q: f32, stop: vec4<f32>, t: f32) -> vec4<f32> {
    var f = select(0.0, 1.0, t >= q);
    if q > prev {
        f = clamp((t - prev) / (q - prev), 0.0, 1.0);
    }
    return mix(c, vec4<f32>(stop.rgb * stop.a, stop.a), f);
}

// `t` past 0..1: clamped (0), repeated (1) or mirrored (2).
fn ramp_extend(t: f32, extend: u32) -> f32 {
    switch extend {
        case 1u: { return fract(t); }
        case 2u: { return 1.0 - abs(fract(t * 0.5) * 2.0 - 1.0); }
        default: { return clamp(t, 0.0, 1.0); }
    }
}

// The ramp's premultiplied colour at `t`.
fn ramp_at(t: f32) -> vec4<f32> {
    let n = min(params.stop_count, RAMP_STOPS);
    let g = min(params.position_count, n);
    let last = ramp_last_given(params.positions[max(g, 1u) - 1u].x, g);
    var c = ramp_first(params.stops[0], n);
    var prev = ramp_position(params.positions[0].x, 0u, n, g, last);
    for (var i = 1u; i < n; i++) {
        let q = ramp_position(params.positions[i].x, i, n, g, last);
        c = ramp_step(c, prev, q, params.stops[i], t);
        prev = q;
    }
    return c;
}

// A colour ramp of up to 8 stops: what `ramp` draws and `gradient_map` maps luminance
// through. The operator declares the stops as list parameters
//
//     stops: array<vec4<f32>, 8>,     // colors ...
//     positions: array<vec4<f32>, 8>, // floats range=0..1 ...
//     stop_count: u32,                // count=stops
//     position_count: u32,            // count=positions
//
// and calls `ramp_color(params.stops, params.positions, params.stop_count,
// params.position_count, t)`.
//
// Stop i sits at `positions[i].x` when that many positions are given; the stops past the
// given ones are spread evenly between the last given position and 1 (with none given:
// evenly from 0 to 1). Colours (straight RGBA) are interpolated linearly in premultiplied
// RGBA, so a ramp towards a transparent stop has no dark fringe. Before the first stop:
// the first colour; after the last: the last. A stop at or before the one before it is a
// hard edge. No stops: transparent black.

const RAMP_STOPS: u32 = 8u;

// Where stop `i` of `n` sits, `g` positions being given in `p`.
fn ramp_position(p: ptr<function, array<vec4<f32>, 8>>, i: u32, n: u32, g: u32) -> f32 {
    if i < g {
        return (*p)[i].x;
    }
    if g == 0u {
        return select(f32(i) / f32(n - 1u), 0.0, n <= 1u);
    }
    let last = (*p)[g - 1u].x;
    return last + (1.0 - last) * f32(i + 1u - g) / f32(n - g);
}

// The ramp's premultiplied colour at `t`.
fn ramp_color(
    stops: array<vec4<f32>, 8>,
    positions: array<vec4<f32>, 8>,
    stop_count: u32,
    position_count: u32,
    t: f32,
) -> vec4<f32> {
    let n = min(stop_count, RAMP_STOPS);
    if n == 0u {
        return vec4<f32>(0.0);
    }
    var s = stops;
    var p = positions;
    let g = min(position_count, n);
    var c = vec4<f32>(s[0].rgb * s[0].a, s[0].a);
    var prev = ramp_position(&p, 0u, n, g);
    for (var i = 1u; i < n; i++) {
        let q = ramp_position(&p, i, n, g);
        var f = select(0.0, 1.0, t >= q);
        if q > prev {
            f = clamp((t - prev) / (q - prev), 0.0, 1.0);
        }
        c = mix(c, vec4<f32>(s[i].rgb * s[i].a, s[i].a), f);
        prev = q;
    }
    return c;
}

// `t` past 0..1: clamped (0), repeated (1) or mirrored (2).
fn ramp_extend(t: f32, extend: u32) -> f32 {
    switch extend {
        case 1u: { return fract(t); }
        case 2u: { return 1.0 - abs(fract(t * 0.5) * 2.0 - 1.0); }
        default: { return clamp(t, 0.0, 1.0); }
    }
}

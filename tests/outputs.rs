//! Several outputs from one chain (`[[window]]`): each output's warp and blend checked
//! against answers computed here (a homography solved by elimination, the bilinear grid,
//! the blend ramps adding up in light), and the frame model held with two targets.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::many_single_char_names,
    clippy::needless_range_loop,
    reason = "tests: a failed unwrap is a failed test; the formulas keep their letters"
)]

mod common;

use vivid::{Engine, FrameTime, Target};

/// A project shader writing its own uv (y up) into red and green.
const UV_SHADER: &str = "//! The uv as colour.\n//!\n//! category: generator\n//! inputs: 0\n\nstruct Params {\n    gain: f32, // default=1 range=0..1 Gain.\n}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    let p = user_uv(uv);\n    return vec4<f32>(p.x * params.gain, p.y * params.gain, 0.0, 1.0);\n}\n";

/// Output `index` of `toml` (a project with the uv shader) captured at `size`.
fn capture(toml: &str, index: usize, size: [u32; 2]) -> vivid::FloatImage {
    let dir = common::project(&[("chain.toml", toml), ("uv.wgsl", UV_SHADER)]);
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    engine.set_output_capture(Some((index, size)));
    common::render(&mut engine, 1, 60.0)
}

/// The homography taking `from[k]` to `to[k]`: the 8×8 linear system of the direct linear
/// transform, solved by Gaussian elimination with partial pivoting.
fn solve_homography(from: [[f64; 2]; 4], to: [[f64; 2]; 4]) -> [[f64; 3]; 3] {
    let mut a = [[0.0f64; 9]; 8];
    for k in 0..4 {
        let ([x, y], [u, v]) = (from[k], to[k]);
        a[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                for c in col..9 {
                    a[row][c] -= f * a[col][c];
                }
            }
        }
    }
    let h: Vec<f64> = (0..8).map(|i| a[i][8] / a[i][i]).collect();
    [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]]
}

fn apply(m: &[[f64; 3]; 3], [x, y]: [f64; 2]) -> [f64; 2] {
    let w = m[2][0] * x + m[2][1] * y + m[2][2];
    [
        (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
        (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
    ]
}

#[test]
fn a_corner_pin_maps_known_points_to_known_pixels() {
    let corners = [[0.1, 0.2], [0.9, 0.05], [0.8, 0.95], [0.15, 0.8]];
    let toml = format!(
        "output = \"uv\"\n[uv]\ntype = \"shader\"\nshader = \"uv.wgsl\"\nsize = [64, 64]\n\n[[window]]\nnode = \"uv\"\n[window.warp]\nbottom_left = {:?}\nbottom_right = {:?}\ntop_right = {:?}\ntop_left = {:?}\n",
        corners[0], corners[1], corners[2], corners[3]
    );
    let (w, h) = (96u32, 80u32);
    let img = capture(&toml, 0, [w, h]);
    // Output -> picture: the inverse of the map taking the corners to the unit square's.
    let unit = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    let back = solve_homography(corners, unit);
    let (mut inside, mut outside) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            let p = [
                (f64::from(x) + 0.5) / f64::from(w),
                1.0 - (f64::from(y) + 0.5) / f64::from(h),
            ];
            let q = apply(&back, p);
            let got = img.at(x, y);
            // Well inside (two output pixels from the quad's edges): the picture's uv.
            let margin = 0.04;
            if q.iter().all(|&c| c > margin && c < 1.0 - margin) {
                inside += 1;
                let want = [q[0] as f32, q[1] as f32, 0.0, 1.0];
                common::assert_close(got, want, 0.01, &format!("pixel ({x}, {y})"));
            } else if q.iter().any(|&c| c < -margin || c > 1.0 + margin) {
                outside += 1;
                common::assert_close(
                    got,
                    [0.0, 0.0, 0.0, 1.0],
                    1e-3,
                    &format!("outside ({x}, {y})"),
                );
            }
        }
    }
    assert!(
        inside > 3000 && outside > 1000,
        "{inside} inside, {outside} outside"
    );
}

#[test]
fn a_grid_mesh_is_bilinear_between_its_points() {
    // Three columns, two rows: the middle column pushed right and bent.
    let grid = [
        [[0.0, 0.0], [0.7, 0.1], [1.0, 0.0]],
        [[0.0, 1.0], [0.6, 0.9], [1.0, 1.0]],
    ];
    let toml = format!(
        "[uv]\ntype = \"shader\"\nshader = \"uv.wgsl\"\nsize = [64, 64]\n\n[[window]]\nwarp = {{ grid = {grid:?} }}\n"
    );
    let (w, h) = (128u32, 128u32);
    let img = capture(&toml, 0, [w, h]);
    // Content point g lands where the grid's bilinear cell puts it.
    let land = |g: [f64; 2]| {
        let (col, s) = if g[0] < 0.5 {
            (0, g[0] * 2.0)
        } else {
            (1, g[0] * 2.0 - 1.0)
        };
        let t = g[1];
        let p = |i: usize, j: usize| grid[j][i];
        let (a, b, c, d) = (p(col, 0), p(col + 1, 0), p(col + 1, 1), p(col, 1));
        let lerp = |k: usize| {
            (1.0 - t) * ((1.0 - s) * a[k] + s * b[k]) + t * ((1.0 - s) * d[k] + s * c[k])
        };
        [lerp(0), lerp(1)]
    };
    let mut checked = 0;
    for gy in 1..10 {
        for gx in 1..10 {
            let g = [f64::from(gx) / 10.0, f64::from(gy) / 10.0];
            let [px, py] = land(g);
            let (x, y) = (
                (px * f64::from(w)) as u32,
                ((1.0 - py) * f64::from(h)) as u32,
            );
            // The pixel's centre is within half a pixel of p: its content point within
            // about a pixel of g (the cells stretch by at most 1.7).
            let got = img.at(x, y);
            common::assert_close(
                got,
                [g[0] as f32, g[1] as f32, 0.0, 1.0],
                0.03,
                &format!("content {g:?} at ({x}, {y})"),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 81);
}

#[test]
fn two_blend_ramps_add_up_to_the_original_after_gamma() {
    // 0.8 = 204/255 exactly: the original is known to the 8-bit step.
    let toml = "[grey]\ntype = \"solid\"\ncolor = [0.8, 0.8, 0.8, 1.0]\nsize = [64, 16]\n\n[[window]]\nblend = { right = 0.25, gamma = 2.2 }\n\n[[window]]\nblend = { left = 0.25, gamma = 2.2 }\n";
    let a = capture(toml, 0, [64, 16]).to_rgba8();
    let b = capture(toml, 1, [64, 16]).to_rgba8();
    // A shows the canvas' columns 0..64, B columns 48..112: A's column x is B's x - 48.
    assert_eq!(a.get_pixel(10, 8)[0], 204);
    assert_eq!(b.get_pixel(40, 8)[0], 204);
    for x in 48..64 {
        let (va, vb) = (
            f64::from(a.get_pixel(x, 8)[0]) / 255.0,
            f64::from(b.get_pixel(x - 48, 8)[0]) / 255.0,
        );
        let sum = (va.powf(2.2) + vb.powf(2.2)).powf(1.0 / 2.2);
        assert!(
            (sum - 0.8).abs() <= 1.0 / 255.0,
            "column {x}: {va} + {vb} gives {sum} in light, not 0.8"
        );
        if (51..61).contains(&x) {
            assert!(
                va < 0.79 && vb < 0.79,
                "column {x} is in the overlap: both ramps dim it"
            );
        }
    }
}

/// A host texture of `size` (a window's frame).
#[expect(
    clippy::disallowed_methods,
    reason = "the host's own texture, not the engine's"
)]
fn host(engine: &Engine, (width, height): (u32, u32)) -> vivid::wgpu::Texture {
    engine
        .gpu()
        .device()
        .create_texture(&vivid::wgpu::TextureDescriptor {
            label: Some("host"),
            size: vivid::wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: vivid::wgpu::TextureDimension::D2,
            format: vivid::wgpu::TextureFormat::Bgra8Unorm,
            usage: vivid::wgpu::TextureUsages::RENDER_ATTACHMENT
                | vivid::wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        })
}

#[test]
fn two_outputs_share_one_encoder_and_create_nothing_when_steady() {
    let toml = "[a]\ntype = \"solid\"\ncolor = [1, 0, 0, 1]\nsize = [64, 36]\n\n[b]\ntype = \"noise\"\nsize = [64, 36]\n\n[[window]]\nnode = \"a\"\n\n[[window]]\nnode = \"b\"\n[window.warp]\nbottom_left = [0.1, 0.1]\nbottom_right = [0.9, 0]\ntop_right = [1, 1]\ntop_left = [0, 0.9]\n[window.blend]\nleft = 0.2\nblack_level = 0.05\n";
    let mut engine = common::engine();
    engine.set_chain(&common::desc(toml)).unwrap();
    assert_eq!(engine.output_count(), 2);
    let (one, two) = (host(&engine, (80, 45)), host(&engine, (120, 90)));
    for k in 0..120u64 {
        let mut targets = [
            Target::Copy { texture: &one },
            Target::Copy { texture: &two },
        ];
        let report = engine
            .render_outputs(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                &mut targets,
                false,
                None,
            )
            .unwrap();
        assert_eq!((report.encoders, report.submits), (1, 1), "frame {k}");
    }
    // An output left out for a while (a minimised window) and back: nothing made again.
    for k in 120..180u64 {
        let mut targets = [
            Target::Copy { texture: &one },
            if k < 150 {
                Target::None
            } else {
                Target::Copy { texture: &two }
            },
        ];
        engine
            .render_outputs(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                &mut targets,
                false,
                None,
            )
            .unwrap();
    }
    let s = engine.stats();
    // Changes: the chain, the arena growing, each output's display texture.
    assert!(s.changes <= 4, "{s:?}");
    assert_eq!(
        s.gpu_objects_created_after_warmup, 0,
        "{:?}",
        s.gpu_objects_created_after_warmup_by_kind
    );
    assert!(
        s.wgpu_counter_changes_after_warmup.is_empty(),
        "{:?}",
        s.wgpu_counter_changes_after_warmup
    );
    assert!(s.steady_frames >= 150, "{s:?}");
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
}

#[test]
fn a_window_naming_no_operator_is_a_located_error() {
    let mut engine = common::engine();
    let err = engine
        .set_chain(&common::desc(
            "[a]\ntype = \"solid\"\n\n[[window]]\nnode = \"b\"\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("test.toml:5:8") && err.contains("`b`"),
        "{err}"
    );
}

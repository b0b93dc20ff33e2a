/*{
	"DESCRIPTION": "vivid test: one input and 15 pass targets, 16 images bound: pass k writes (k + 1) / 256 into target k, the last pass adds them to its input.",
	"ISFVSN": "2",
	"INPUTS": [ { "NAME": "inputImage", "TYPE": "image" } ],
	"PASSES": [
		{ "TARGET": "t0", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t1", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t2", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t3", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t4", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t5", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t6", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t7", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t8", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t9", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t10", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t11", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t12", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t13", "WIDTH": "1", "HEIGHT": "1" },
		{ "TARGET": "t14", "WIDTH": "1", "HEIGHT": "1" },
		{ }
	]
}*/
void main() {
	if (PASSINDEX == 0) { gl_FragColor = vec4(1.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 1) { gl_FragColor = vec4(2.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 2) { gl_FragColor = vec4(3.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 3) { gl_FragColor = vec4(4.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 4) { gl_FragColor = vec4(5.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 5) { gl_FragColor = vec4(6.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 6) { gl_FragColor = vec4(7.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 7) { gl_FragColor = vec4(8.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 8) { gl_FragColor = vec4(9.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 9) { gl_FragColor = vec4(10.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 10) { gl_FragColor = vec4(11.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 11) { gl_FragColor = vec4(12.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 12) { gl_FragColor = vec4(13.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 13) { gl_FragColor = vec4(14.0 / 256.0, 0.0, 0.0, 1.0); return; }
	if (PASSINDEX == 14) { gl_FragColor = vec4(15.0 / 256.0, 0.0, 0.0, 1.0); return; }
	gl_FragColor = vec4(IMG_PIXEL(t0, vec2(0.5)).r + IMG_PIXEL(t1, vec2(0.5)).r + IMG_PIXEL(t2, vec2(0.5)).r + IMG_PIXEL(t3, vec2(0.5)).r + IMG_PIXEL(t4, vec2(0.5)).r + IMG_PIXEL(t5, vec2(0.5)).r + IMG_PIXEL(t6, vec2(0.5)).r + IMG_PIXEL(t7, vec2(0.5)).r + IMG_PIXEL(t8, vec2(0.5)).r + IMG_PIXEL(t9, vec2(0.5)).r + IMG_PIXEL(t10, vec2(0.5)).r + IMG_PIXEL(t11, vec2(0.5)).r + IMG_PIXEL(t12, vec2(0.5)).r + IMG_PIXEL(t13, vec2(0.5)).r + IMG_PIXEL(t14, vec2(0.5)).r, 0.0, 0.0, 0.0) + IMG_THIS_NORM_PIXEL(inputImage);
}

/*{
	"DESCRIPTION": "vivid test: a persistent 1x1 buffer counting the frames its event fired on, in 1/64ths.",
	"ISFVSN": "2",
	"INPUTS": [ { "NAME": "fire", "TYPE": "event" } ],
	"PASSES": [
		{ "TARGET": "count", "PERSISTENT": true, "WIDTH": "1", "HEIGHT": "1" },
		{ }
	]
}*/
void main() {
	if (PASSINDEX == 0) {
		vec4 c = IMG_PIXEL(count, vec2(0.5));
		gl_FragColor = vec4(c.r + (fire ? 1.0 / 64.0 : 0.0), 0.0, 0.0, 1.0);
	} else {
		gl_FragColor = IMG_NORM_PIXEL(count, vec2(0.5));
	}
}

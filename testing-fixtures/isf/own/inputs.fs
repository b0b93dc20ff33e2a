/*{
	"DESCRIPTION": "vivid test: every kind of input reaches the shader.",
	"INPUTS": [
		{ "NAME": "amount", "TYPE": "float", "DEFAULT": 0.25, "MIN": 0.0, "MAX": 1.0 },
		{ "NAME": "mode", "TYPE": "long", "VALUES": [2, 7], "LABELS": ["two", "seven"], "DEFAULT": 7 },
		{ "NAME": "flag", "TYPE": "bool", "DEFAULT": true },
		{ "NAME": "tint", "TYPE": "color", "DEFAULT": [0.1, 0.2, 0.3, 1.0] },
		{ "NAME": "where", "TYPE": "point2D", "DEFAULT": [30, 40] }
	]
}*/
void main() {
	gl_FragColor = vec4(amount, float(mode) / 10.0, flag ? tint.b : 0.0, where.x / 100.0 + where.y / 1000.0);
}

/*{
	"DESCRIPTION": "vivid test: coordinates from the vertex shader and the fragment shader agree; ISF's origin is the bottom left."
}*/
varying vec2 fromVs;
void main() {
	gl_FragColor = vec4(fromVs, isf_FragNormCoord.y, gl_FragCoord.x / RENDERSIZE.x);
}

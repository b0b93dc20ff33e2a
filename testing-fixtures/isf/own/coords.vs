varying vec2 fromVs;
void main() {
	isf_vertShaderInit();
	fromVs = isf_FragNormCoord;
}

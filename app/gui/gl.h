#pragma once
// OpenGL for the GUI: glad's 3.3 core loader on the desktop, WebGL 2 (OpenGL ES 3.0) in the
// browser. The GUI only uses calls the two share.
#ifdef __EMSCRIPTEN__
#include <GLES3/gl3.h>
#else
#include <glad/gl.h>
#endif

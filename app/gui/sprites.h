#pragma once
// Message dots drawn as textured quads (two triangles each) instead of tessellated circles.
// Under a software rasteriser the per-triangle cost dominates, and 2,000 dots as 12-sided
// anti-aliased circles took most of a frame.
#include <imgui.h>

namespace brokersim::gui::sprites {

// Needs a current OpenGL context. Without it the canvas falls back to ImGui's circles.
void create();
void destroy();
ImTextureID texture();  // nullptr until create()

// UV rectangles of the two sprites in the texture: a filled disc and a ring.
inline const ImVec2 kDiscUv0{0.0f, 0.0f}, kDiscUv1{0.5f, 1.0f};
inline const ImVec2 kRingUv0{0.5f, 0.0f}, kRingUv1{1.0f, 1.0f};

}  // namespace brokersim::gui::sprites

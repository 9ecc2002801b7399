#include "gui/sprites.h"

#include "gui/gl.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace brokersim::gui::sprites {
namespace {

GLuint g_texture = 0;

// Coverage of a pixel by a disc or ring, with a one-pixel soft edge for anti-aliasing.
float coverage(float distance, float inner, float outer) {
  const float out = std::clamp(outer - distance + 0.5f, 0.0f, 1.0f);
  const float in = inner <= 0 ? 1.0f : std::clamp(distance - inner + 0.5f, 0.0f, 1.0f);
  return out * in;
}

}  // namespace

void create() {
  constexpr int kSize = 64;
  std::vector<std::uint32_t> pixels(kSize * 2 * kSize);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const float dx = static_cast<float>(x) + 0.5f - kSize / 2.0f, dy = static_cast<float>(y) + 0.5f - kSize / 2.0f;
      const float d = std::sqrt(dx * dx + dy * dy);
      const float radius = kSize / 2.0f - 1.5f;
      const auto disc = static_cast<std::uint32_t>(coverage(d, 0, radius) * 255.0f + 0.5f);
      const auto ring = static_cast<std::uint32_t>(coverage(d, radius - 7.0f, radius) * 255.0f + 0.5f);
      // White, with the coverage in alpha: ImGui tints it with the dot's colour.
      pixels[y * kSize * 2 + x] = (disc << 24) | 0x00FFFFFFu;
      pixels[y * kSize * 2 + kSize + x] = (ring << 24) | 0x00FFFFFFu;
    }
  }
  glGenTextures(1, &g_texture);
  glBindTexture(GL_TEXTURE_2D, g_texture);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, kSize * 2, kSize, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
}

void destroy() {
  if (g_texture) glDeleteTextures(1, &g_texture);
  g_texture = 0;
}

ImTextureID texture() { return g_texture ? reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(g_texture)) : nullptr; }

}  // namespace brokersim::gui::sprites

// gui_screenshot_check FILE.png WIDTH HEIGHT
// Checks what a brokersim-gui screenshot test needs: the file is a PNG of that size, it is not
// blank (more than a handful of distinct colours), and both node colours (the canvas's node
// borders) and message colours (the routing-key palette) appear in it.
#include <cstdio>
#include <cstdlib>
#include <set>

#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

namespace {

struct Rgb {
  int r, g, b;
};

// Node borders and the Okabe-Ito key colours, as palette.cpp draws them.
constexpr Rgb kNodeColors[] = {{120, 160, 200}, {180, 140, 220}, {110, 190, 170}, {210, 180, 110}};
constexpr Rgb kMessageColors[] = {{230, 159, 0}, {86, 180, 233}, {0, 158, 115}, {240, 228, 66},
                                  {0, 114, 178}, {213, 94, 0},   {204, 121, 167}};

bool near(const unsigned char* p, Rgb c) {
  return std::abs(p[0] - c.r) <= 6 && std::abs(p[1] - c.g) <= 6 && std::abs(p[2] - c.b) <= 6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gui_screenshot_check FILE.png WIDTH HEIGHT\n");
    return 2;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(argv[1], &w, &h, &channels, 3);
  if (!pixels) {
    std::fprintf(stderr, "%s: not a readable PNG\n", argv[1]);
    return 1;
  }
  int failures = 0;
  if (w != std::atoi(argv[2]) || h != std::atoi(argv[3])) {
    std::fprintf(stderr, "size is %dx%d, wanted %sx%s\n", w, h, argv[2], argv[3]);
    ++failures;
  }
  std::set<int> colors;
  long node_pixels = 0, message_pixels = 0;
  for (long i = 0; i < static_cast<long>(w) * h; ++i) {
    const unsigned char* p = pixels + i * 3;
    if (colors.size() < 100000) colors.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    for (Rgb c : kNodeColors) node_pixels += near(p, c);
    for (Rgb c : kMessageColors) message_pixels += near(p, c);
  }
  stbi_image_free(pixels);
  std::printf("%dx%d, %zu distinct colours, %ld node-colour pixels, %ld message-colour pixels\n", w, h, colors.size(),
              node_pixels, message_pixels);
  if (colors.size() < 16) {
    std::fprintf(stderr, "only %zu distinct colours: blank?\n", colors.size());
    ++failures;
  }
  if (node_pixels < 50) {
    std::fprintf(stderr, "no node colours\n");
    ++failures;
  }
  if (message_pixels < 20) {
    std::fprintf(stderr, "no message colours\n");
    ++failures;
  }
  return failures ? 1 : 0;
}

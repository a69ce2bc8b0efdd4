#pragma once
// Exporting an interpolation strip (frames of one size, RGB 8-bit): an animated WebP, a
// contact sheet image, or numbered PNG files with the generation parameters as text chunks.
// Animated WebP is written with libwebp's WebPAnimEncoder (libwebpmux): libwebp is the
// reference, well-maintained WebP implementation, and Qt's webp plugin writes single frames
// only. No torch and no Qt here: the CLI and the desktop app both call these.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/image.h"

namespace pb::pipelines {

struct AnimationOptions {
  int frame_ms = 125;      // per frame, > 0
  bool loop = true;        // loop forever; otherwise play once
  bool ping_pong = false;  // A..B..A: frames then the reverse without repeating the ends
  bool lossless = false;   // lossy quality below otherwise
  float quality = 90;      // 0..100; for lossless, the compression effort
};

// The frames actually shown: `frames`, or with ping_pong frames 0..N-1 then N-2..1 (2N-2 in
// all; a single frame stays one frame).
std::vector<const Image*> animation_sequence(const std::vector<Image>& frames, bool ping_pong);

// Animated WebP through WebPAnimEncoder. Throws pb::Error (invalid_argument: no frames /
// mixed sizes / not RGB / bad options; io_error: cannot write, naming the path). Writes to a
// temporary file beside the target then renames it, so a failure leaves no half-written file.
// The parent folder must exist. Consecutive identical frames are merged by the encoder into
// one longer frame (the timing is kept).
void write_animated_webp(const std::string& path, const std::vector<Image>& frames,
                         const AnimationOptions& options = {});

// A grid of the frames in reading order: `columns` per row (0 = about square, ceil(sqrt(N));
// more columns than frames are clamped), each cell the frame's size, `gap` px of `background`
// grey between cells (no outer border). Unused cells of the last row stay background.
// Throws pb::Error(invalid_argument) for no frames / mixed sizes / not RGB / negative values.
Image contact_sheet(const std::vector<Image>& frames, int columns = 0, int gap = 4,
                    std::uint8_t background = 32);

// Writes <prefix>_0001.png, <prefix>_0002.png, ... (prefix "frame" when empty; at least four
// digits, more when needed so that names sort) in `dir`, created if missing. Each file carries
// `parameters` as PNG text chunks plus "frame" (1-based, as in the name) and "position"
// (positions[i] when given, else i / (N - 1)); map entries named "frame" or "position" are
// replaced by these. Returns the paths written. Throws pb::Error (invalid_argument: as above,
// or positions not of size N; io_error naming the folder or file).
std::vector<std::string> write_frame_pngs(
    const std::string& dir, const std::string& prefix, const std::vector<Image>& frames,
    const std::vector<float>& positions = {},
    const std::map<std::string, std::string>& parameters = {});

}  // namespace pb::pipelines

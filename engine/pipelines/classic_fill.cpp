#include "engine/pipelines/classic_fill.h"

#include <chrono>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "engine/core/error.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

RunResult classic_fill(const ClassicFillRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  const Image& img = request.image;
  const Image& mask = request.mask;
  if (img.empty() || img.channels != 3)
    throw Error(ErrorCode::invalid_argument, "classic fill needs an RGB image");
  if (mask.channels != 1 || mask.width != img.width || mask.height != img.height)
    throw Error(ErrorCode::invalid_argument,
                "classic fill: the mask must be 1-channel and the same size as the image");
  if (request.radius <= 0)
    throw Error(ErrorCode::invalid_argument, "classic fill: radius must be positive");

  cv::Mat bin;
  cv::threshold(as_mat(mask), bin, 0, 255, cv::THRESH_BINARY);
  cv::Mat filled;
  cv::inpaint(as_mat(img), bin, filled, request.radius,
              request.method == ClassicMethod::telea ? cv::INPAINT_TELEA : cv::INPAINT_NS);
  // cv::inpaint leaves unmasked pixels as they are; copy them explicitly anyway so the
  // guarantee does not rest on an implementation detail.
  Image out = img;
  filled.copyTo(as_mat(out), bin);

  RunResult r;
  r.images.push_back(std::move(out));
  r.seeds.push_back(0);
  const Rect box = mask_bbox(mask);
  r.window = box;
  r.parameters["mode"] = "classic-fill";
  r.parameters["method"] = request.method == ClassicMethod::telea ? "telea" : "navier-stokes";
  r.parameters["radius"] = std::to_string(request.radius);
  r.parameters["size"] = std::to_string(img.width) + "x" + std::to_string(img.height);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace pb::pipelines

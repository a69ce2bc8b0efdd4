// CLIP checks against shared/fixtures/unclip (README sections 1.2, 1.5, 1.6, 2).
#include "tests/parity/clip_parity.h"

#include <ATen/Context.h>
#include <torch/types.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/nn/clip/config.h"
#include "engine/nn/clip/loader.h"
#include "engine/nn/clip/model.h"
#include "engine/nn/clip/preprocess.h"
#include "engine/nn/common/image_resize.h"

namespace pb::parity {

namespace {

using pb::nn::clip::Clip;
using pb::nn::clip::Config;

double tolerance_for(const Target& target) {
  if (target.dtype == torch::kBFloat16) return 5e-2;  // 8 mantissa bits
  return forward_tolerance(target);
}

// Number of differing bytes of two uint8 tensors (infinity if the shapes differ), and
// their largest difference in the detail.
Check exact_bytes(const std::string& name, const torch::Tensor& mine, const torch::Tensor& ref) {
  if (mine.sizes() != ref.sizes()) return failed(name, "shape differs");
  const torch::Tensor diff = (mine.to(torch::kInt) - ref.to(torch::kInt)).abs();
  const int64_t n = diff.ne(0).sum().item<int64_t>();
  return measured(name, double(n), 0,
                  "differing bytes of " + std::to_string(ref.numel()) + ", max diff " +
                      std::to_string(diff.max().item<int>()));
}

torch::Tensor resize_uint8(const torch::Tensor& hwc, int out_w, int out_h) {
  const torch::Tensor in = hwc.contiguous();
  const auto out = pb::nn::pil_bicubic_resize(in.data_ptr<std::uint8_t>(), int(in.size(1)),
                                              int(in.size(0)), int(in.size(2)), out_w, out_h);
  return torch::from_blob(const_cast<std::uint8_t*>(out.data()), {out_h, out_w, in.size(2)},
                          torch::kByte)
      .clone();
}

// Index of the first maximal token of each row, written out (what argmax must return).
torch::Tensor first_max_index(const torch::Tensor& tokens) {
  const torch::Tensor t = tokens.to(torch::kLong).contiguous();
  torch::Tensor out = torch::empty({t.size(0)}, torch::kLong);
  for (int64_t b = 0; b < t.size(0); ++b) {
    int64_t best = 0;
    for (int64_t i = 1; i < t.size(1); ++i)
      if (t[b][i].item<int64_t>() > t[b][best].item<int64_t>()) best = i;
    out[b] = best;
  }
  return out;
}

}  // namespace

std::vector<Check> clip_forward(const std::string& fixtures, const Target& target) {
  if (target.device.is_cuda()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  const double tol = tolerance_for(target);
  const std::string io_path = fixture_path(fixtures, "unclip/clip_small.io.pt");
  const std::string cfg_path = fixture_path(fixtures, "unclip/small_configs.json");
  std::vector<Check> checks;
  for (const char* weights : {"clip_small.state_dict.pt", "clip_small.torchscript.pt"}) {
    const std::string name = std::string("clip forward ") + weights + " (" + target.device.str() +
                             " " + c10::toString(target.dtype) + ")";
    const std::string w_path = fixture_path(fixtures, std::string("unclip/") + weights);
    if (io_path.empty() || cfg_path.empty() || w_path.empty()) {
      checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/unclip"));
      continue;
    }
    try {
      c10::InferenceMode guard;
      const Config config = pb::nn::clip::config_from_json(read_text(cfg_path));
      Clip model = pb::nn::clip::load_clip(w_path, config);
      model->to(target.device);
      if (target.dtype != torch::kFloat) model->convert_body_to(target.dtype);
      TensorMap io = load_io_fixture(io_path);
      for (auto& [key, value] : io) value = value.to(target.device);

      pb::nn::clip::ImageTrace itrace;
      const torch::Tensor image = model->encode_image(field(io, "pixel_values"), &itrace);
      pb::nn::clip::TextTrace ttrace;
      const auto text = model->encode_text(field(io, "tokens"), &ttrace);
      const std::pair<const char*, torch::Tensor> tensors[] = {
          {"image_ln_pre_out", itrace.ln_pre_out},
          {"image_ln_post_out", itrace.ln_post_out},
          {"image_embeds", image},
          {"text_embed_in", ttrace.embed_in},
          {"text_embeds", text.pooled},
          {"text_seq", text.sequence}};
      for (const auto& [key, mine] : tensors) {
        std::string detail;
        if (mine.scalar_type() != torch::kFloat) detail = "output not float32";
        const double err = detail.empty() ? max_rel_error(mine, field(io, key)) : 1.0;
        checks.push_back(measured(name + ": " + key, err, tol, detail));
      }
      // The pooled position is the first maximal id (the first <|endoftext|>): recorded
      // eot_index, a written-out first-maximum and torch's argmax agree.
      const torch::Tensor tokens = field(io, "tokens").cpu();
      const torch::Tensor eot = field(io, "eot_index").cpu().to(torch::kLong);
      const torch::Tensor first = first_max_index(tokens);
      int64_t bad_rows = eot.ne(first).sum().item<int64_t>() +
                         eot.ne(tokens.to(torch::kLong).argmax(-1)).sum().item<int64_t>();
      for (int64_t b = 0; b < tokens.size(0); ++b)
        if (tokens[b][eot[b].item<int64_t>()].item<int64_t>() != 49407) ++bad_rows;
      checks.push_back(measured(name + ": eot_index", double(bad_rows), 0,
                                "rows whose pooled position is not the first end token"));
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

std::vector<Check> clip_preprocess(const std::string& fixtures) {
  std::vector<Check> checks;
  const std::string pre = fixture_path(fixtures, "unclip/preprocess.io.pt");
  if (pre.empty()) {
    checks.push_back(skipped("clip preprocess.io.pt", "fixture not found under " + fixtures));
  } else {
    try {
      const TensorMap io = load_io_fixture(pre);
      const torch::Tensor image = field(io, "image_hwc_uint8").contiguous();
      checks.push_back(exact_bytes("pil_bicubic_resize 200x150 -> 224 (resized_224_hwc_uint8)",
                                   resize_uint8(image, 224, 224),
                                   field(io, "resized_224_hwc_uint8")));
      const torch::Tensor pixels = pb::nn::clip::preprocess_image(
          image.data_ptr<std::uint8_t>(), int(image.size(1)), int(image.size(0)), 224);
      checks.push_back(measured("preprocess_image 224 (pixel_values)",
                                max_rel_error(pixels, field(io, "pixel_values")), 1e-6));
      const torch::Tensor mean = torch::tensor(
          {pb::nn::clip::kClipMean[0], pb::nn::clip::kClipMean[1], pb::nn::clip::kClipMean[2]});
      const torch::Tensor stdev = torch::tensor(
          {pb::nn::clip::kClipStd[0], pb::nn::clip::kClipStd[1], pb::nn::clip::kClipStd[2]});
      checks.push_back(measured("clip mean/std constants",
                                std::max(max_rel_error(mean, field(io, "clip_mean")),
                                         max_rel_error(stdev, field(io, "clip_std"))),
                                0));
      const torch::Tensor in = field(io, "upsample_in"), ref = field(io, "upsample_out");
      const torch::Tensor up = pb::nn::resize_bicubic_antialias(in, 64, 64);
      checks.push_back(measured("resize_bicubic_antialias 16 -> 64 (upsample_out)",
                                max_rel_error(up, ref), 1e-5));
      // Plain bicubic (a = -0.75, replicated borders) is a different filter: the recorded
      // distance, so that a port cannot pass with it.
      const torch::Tensor plain = at::upsample_bicubic2d(in, {64, 64}, false);
      const double dist = (plain - ref).abs().max().item<double>();
      const double recorded = field(io, "upsample_out_max_abs_diff_vs_no_antialias").item<double>();
      checks.push_back(measured("plain bicubic differs by the recorded amount",
                                std::abs(dist - recorded), 1e-5,
                                "max |plain - antialiased| " + std::to_string(dist) +
                                    ", recorded " + std::to_string(recorded)));
    } catch (const std::exception& e) {
      checks.push_back(failed("clip preprocess.io.pt", e.what()));
    }
  }
  const std::string small = fixture_path(fixtures, "unclip/clip_small.io.pt");
  if (small.empty()) {
    checks.push_back(skipped("clip_small.io.pt preprocessing", "fixture not found"));
    return checks;
  }
  try {
    const TensorMap io = load_io_fixture(small);
    const torch::Tensor images = field(io, "image_hwc_uint8").contiguous();  // [3, 40, 56, 3]
    std::vector<torch::Tensor> resized, normalised;
    for (int64_t i = 0; i < images.size(0); ++i) {
      const torch::Tensor img = images[i].contiguous();
      resized.push_back(resize_uint8(img, 32, 32));
      normalised.push_back(pb::nn::clip::preprocess_image(img.data_ptr<std::uint8_t>(),
                                                          int(img.size(1)), int(img.size(0)), 32));
    }
    checks.push_back(exact_bytes("pil_bicubic_resize 56x40 -> 32 (image_resized_hwc_uint8)",
                                 torch::stack(resized), field(io, "image_resized_hwc_uint8")));
    checks.push_back(measured("preprocess_image 32 (clip_small pixel_values)",
                              max_rel_error(torch::cat(normalised), field(io, "pixel_values")),
                              1e-6));
  } catch (const std::exception& e) {
    checks.push_back(failed("clip_small.io.pt preprocessing", e.what()));
  }
  return checks;
}

std::vector<Check> clip_manifest(const std::string& fixtures) {
  const std::string name = "clip manifest ViT-L/14";
  const std::string path = fixture_path(fixtures, "unclip/manifest_clip_vit_l_14.json");
  if (path.empty()) return {skipped(name, "fixture not found under " + fixtures + "/unclip")};
  try {
    const auto doc = nlohmann::json::parse(read_text(path));
    std::vector<std::string> problems;
    struct Entry {
      std::string key;
      std::vector<int64_t> shape;
      std::string archive_dtype;
    };
    std::vector<Entry> entries;
    for (const auto& e : doc.at("state_dict"))
      entries.push_back({e.at("key").get<std::string>(), e.at("shape").get<std::vector<int64_t>>(),
                         e.at("dtype_in_openai_archive_per_convert_weights").get<std::string>()});

    // infer_config on the manifest's shapes (meta tensors: shapes only).
    pb::io::TensorList shapes;
    for (const auto& e : entries)
      shapes.emplace_back(e.key,
                          torch::empty(e.shape, torch::TensorOptions().device(torch::kMeta)));
    for (const char* k : pb::nn::clip::kScalarKeys)  // as in OpenAI's archive
      shapes.emplace_back(k, torch::empty({}, torch::TensorOptions().device(torch::kMeta)));
    const Config inferred =
        pb::nn::clip::infer_config(pb::nn::clip::prepare_clip_tensors(shapes), path);
    const Config v = Config::vit_l_14();
    const auto& h = doc.at("hyperparameters");
    const std::pair<const char*, std::pair<int, int>> fields[] = {
        {"embed_dim", {inferred.embed_dim, v.embed_dim}},
        {"image_resolution", {inferred.image_resolution, v.image_resolution}},
        {"vision_layers", {inferred.vision_layers, v.vision_layers}},
        {"vision_width", {inferred.vision_width, v.vision_width}},
        {"vision_patch_size", {inferred.vision_patch_size, v.vision_patch_size}},
        {"context_length", {inferred.context_length, v.context_length}},
        {"vocab_size", {inferred.vocab_size, v.vocab_size}},
        {"transformer_width", {inferred.transformer_width, v.transformer_width}},
        {"transformer_heads", {inferred.transformer_heads, v.transformer_heads}},
        {"transformer_layers", {inferred.transformer_layers, v.transformer_layers}}};
    for (const auto& [field_name, values] : fields) {
      const int manifest = h.at(field_name).get<int>();
      if (values.first != manifest || values.second != manifest)
        problems.push_back(std::string(field_name) + ": inferred " + std::to_string(values.first) +
                           ", vit_l_14() " + std::to_string(values.second) + ", manifest " +
                           std::to_string(manifest));
    }
    const int heads = doc.at("derived").at("vision_heads").get<int>();
    if (inferred.vision_heads != heads || v.vision_heads != heads)
      problems.push_back("vision_heads");
    if (v.vision_tokens() != doc.at("derived").at("vision_tokens").get<int>())
      problems.push_back("vision_tokens");

    torch::NoGradGuard no_grad;
    Clip model(v);
    if (!model->named_buffers().is_empty()) problems.push_back("the model has buffers");
    const auto params = model->named_parameters();
    if (params.size() != entries.size())
      problems.push_back("key count " + std::to_string(params.size()) + " vs manifest " +
                         std::to_string(entries.size()));
    int64_t total = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      total += p.value().numel();
      if (i >= entries.size()) continue;
      if (p.key() != entries[i].key)
        problems.push_back("position " + std::to_string(i) + ": " + p.key() + " vs " +
                           entries[i].key);
      else if (p.value().sizes().vec() != entries[i].shape)
        problems.push_back("shape of " + p.key());
    }
    if (total != doc.at("num_parameters").get<int64_t>() || total != 427616513)
      problems.push_back("parameter count " + std::to_string(total));
    model->convert_body_to(torch::kHalf);
    int64_t half = 0;
    for (std::size_t i = 0; i < params.size() && i < entries.size(); ++i) {
      const bool is_half = params[i].value().scalar_type() == torch::kHalf;
      half += is_half;
      if ((is_half ? "float16" : "float32") != entries[i].archive_dtype)
        problems.push_back(params[i].key() + ": " + (is_half ? "float16" : "float32") +
                           " after convert_body_to(kHalf)");
    }
    if (!problems.empty()) {
      std::string detail;
      for (std::size_t i = 0; i < problems.size() && i < 20; ++i) detail += problems[i] + "; ";
      return {failed(name, detail)};
    }
    return {measured(name, 0, 0,
                     std::to_string(params.size()) + " keys, " + std::to_string(total) +
                         " parameters, " + std::to_string(half) + " fp16 after convert")};
  } catch (const std::exception& e) {
    return {failed(name, e.what())};
  }
}

}  // namespace pb::parity

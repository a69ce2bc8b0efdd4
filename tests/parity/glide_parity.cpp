// GLIDE checks against shared/fixtures/glide (README sections 4-8).
#include <ATen/Context.h>
#include <torch/types.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "engine/diffusion/guidance.h"
#include "engine/diffusion/sampler.h"
#include "engine/diffusion/schedule.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"
#include "tests/parity/parity.h"

namespace pb::parity {

namespace {

using pb::nn::glide::GlideUNet;

// A small fixture model (options <model>.json, weights in any container) on the target.
GlideUNet load_model(const std::string& options, const std::string& weights, const Target& target) {
  GlideUNet model(pb::nn::glide::config_from_json(read_text(options)));
  pb::io::load_state_dict(*model, pb::io::load_checkpoint(weights).tensors, {}, weights);
  model->eval();
  model->to(target.device);
  if (target.dtype == torch::kHalf) model->convert_to_fp16();
  return model;
}

// The paths of a case's three fixture files under dir/glide, or nullopt if one is absent.
std::optional<std::array<std::string, 3>> glide_files(const std::string& dir,
                                                      const std::array<std::string, 3>& names) {
  std::array<std::string, 3> paths;
  for (size_t i = 0; i < names.size(); ++i) {
    paths[i] = fixture_path(dir, "glide/" + names[i]);
    if (paths[i].empty()) return std::nullopt;
  }
  return paths;
}

TensorMap on_device(TensorMap map, const torch::Device& device) {
  for (auto& [key, value] : map) value = value.to(device);
  return map;
}

// A case's model and its tensors on the target; files = {io.pt, options.json, weights}.
std::pair<GlideUNet, TensorMap> load_case(const std::array<std::string, 3>& files,
                                          const Target& target) {
  return {load_model(files[1], files[2], target),
          on_device(load_io_fixture(files[0]), target.device)};
}

pb::nn::glide::UNetInputs inputs_of(const TensorMap& io) {
  pb::nn::glide::UNetInputs in;
  if (io.count("inpaint_image")) in.inpaint_image = io.at("inpaint_image");
  if (io.count("inpaint_mask")) in.inpaint_mask = io.at("inpaint_mask");
  if (io.count("low_res")) in.low_res = io.at("low_res");
  return in;
}

}  // namespace

std::vector<Check> glide_forward(const std::string& fixtures, const Target& target) {
  struct Case {
    const char* model;
    const char* weights;
  };
  static const Case cases[] = {
      {"small-base", "small-base.pt"},
      {"small-base-inpaint", "small-base-inpaint.pt"},
      {"small-base-inpaint", "small-base-inpaint.legacy.pt"},
      {"small-base-inpaint", "small-base-inpaint.safetensors"},
      {"small-upsample", "small-upsample.pt"},
      {"small-upsample-inpaint", "small-upsample-inpaint.pt"},
  };
  prepare(target);
  const double tol = forward_tolerance(target);
  std::vector<Check> checks;
  for (const Case& c : cases) {
    const std::string name = std::string("forward ") + c.weights;
    const auto files = glide_files(
        fixtures, {std::string(c.model) + ".io.pt", std::string(c.model) + ".json", c.weights});
    if (!files) {
      checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/glide"));
      continue;
    }
    try {
      c10::InferenceMode guard;
      auto [model, io] = load_case(*files, target);
      pb::nn::glide::ForwardTrace trace;
      const torch::Tensor out =
          model->forward(field(io, "x_t"), field(io, "timesteps"), field(io, "tokens"),
                         field(io, "mask"), inputs_of(io), &trace);
      const std::pair<const char*, torch::Tensor> tensors[] = {
          {"t_emb_sinusoid", trace.t_emb_sinusoid},
          {"time_embed_out", trace.time_embed_out},
          {"xf_in", trace.xf_in},
          {"xf_transformer_out", trace.xf_transformer_out},
          {"xf_out", trace.xf_out},
          {"xf_proj", trace.xf_proj},
          {"emb", trace.emb},
          {"unet_input", trace.unet_input},
          {"h_input_blocks_last", trace.h_input_blocks_last},
          {"h_middle", trace.h_middle},
          {"output", out}};
      for (const auto& [key, mine] : tensors)
        checks.push_back(measured(name + ": " + key, max_rel_error(mine, field(io, key)), tol));
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

std::vector<Check> glide_sampling(const std::string& fixtures, const Target& target) {
  using namespace pb::diffusion;
  struct Case {
    const char* file;
    const char* model;
    const char* schedule;
    Sampler sampler;
    bool guided;  // base stage: [cond; uncond] rows, guidance, plain noise_init
  };
  static const Case cases[] = {
      {"sample_inpaint_ddpm.io.pt", "small-base-inpaint", "squaredcos_cap_v2", Sampler::ddpm, true},
      {"sample_inpaint_ddim.io.pt", "small-base-inpaint", "squaredcos_cap_v2", Sampler::ddim, true},
      {"sample_upsample.io.pt", "small-upsample-inpaint", "linear", Sampler::ddpm, false},
  };
  prepare(target);
  const double tol = sampling_tolerance(target);
  std::vector<Check> checks;
  for (const Case& c : cases) {
    const std::string name = std::string("sampling ") + c.file;
    const auto files = glide_files(
        fixtures, {c.file, std::string(c.model) + ".json", std::string(c.model) + ".pt"});
    if (!files) {
      checks.push_back(skipped(name, "fixture files not found under " + fixtures + "/glide"));
      continue;
    }
    try {
      c10::InferenceMode guard;
      auto [model, f] = load_case(*files, target);
      const auto text = model->encode_text(field(f, "tokens"), field(f, "mask"));
      pb::nn::glide::UNetInputs inputs;
      inputs.inpaint_image = field(f, "inpaint_image");
      inputs.inpaint_mask = field(f, "inpaint_mask");
      if (!c.guided) inputs.low_res = field(f, "low_res");

      int k = 0;
      double worst_out = 0, worst_x = 0, worst_x0 = 0;
      const ModelFn network = [&](const torch::Tensor& x, const torch::Tensor& t) {
        const torch::Tensor out = model->forward(x, t, text, inputs);
        worst_out = std::max(worst_out, max_rel_error(out, field(f, "model_out")[k]));
        return out;
      };
      const ModelFn model_fn =
          c.guided ? classifier_free_guidance(network, field(f, "guidance_scale").item<double>())
                   : network;
      const Schedule s = respaced_schedule(named_betas(c.schedule), "10");
      SampleOptions o;
      o.sampler = c.sampler;
      o.eta = c.sampler == Sampler::ddim ? field(f, "eta").item<double>() : 0.0;
      o.denoised_fn = known_region_forcing(field(f, "inpaint_image"), field(f, "inpaint_mask"));
      const torch::Tensor noises = field(f, "step_noise");
      o.noise = [noises](const torch::Tensor&, int step) { return noises[step]; };
      o.on_step = [&](const StepInfo& info) {
        worst_x = std::max(worst_x, max_rel_error(info.x_next, field(f, "x")[k + 1]));
        // x0 = sqrt(1/ac) x - sqrt(1/ac - 1) eps cancels terms up to ~150 times larger
        // than x0 at the noisiest steps: its error is measured against those terms' size.
        const torch::Tensor ref_x0 = field(f, "pred_xstart")[k];
        const double term = s.sqrt_recip_alphas_cumprod[size_t(info.index)] *
                            field(f, "x")[k].abs().max().item<double>();
        const double ref_max = ref_x0.abs().max().item<double>();
        worst_x0 = std::max(
            worst_x0, max_rel_error(info.pred_xstart, ref_x0) * ref_max / std::max(ref_max, term));
        ++k;
      };
      // The upsampler starts from the draw scaled by its temperature (initial noise only).
      const torch::Tensor x_T =
          c.guided ? field(f, "noise_init")
                   : field(f, "noise_init_unscaled") * field(f, "upsample_temp").item<double>();
      const torch::Tensor sample = sample_loop(s, model_fn, x_T, o);
      const double final_err = max_rel_error(sample, field(f, "sample"));
      std::ostringstream detail;
      detail << k << " steps; worst network " << worst_out << ", x " << worst_x << ", pred_xstart "
             << worst_x0 << ", sample " << final_err;
      const double worst = std::max({worst_out, worst_x, worst_x0, final_err});
      checks.push_back(k == 10 ? measured(name, worst, tol, detail.str())
                               : failed(name, "expected 10 steps, ran " + std::to_string(k)));
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

std::vector<Check> glide_manifests(const std::string& fixtures) {
  using pb::nn::glide::Config;
  const std::pair<const char*, Config> cases[] = {{"base", Config::base()},
                                                  {"base-inpaint", Config::base_inpaint()},
                                                  {"upsample", Config::upsample()},
                                                  {"upsample-inpaint", Config::upsample_inpaint()}};
  std::vector<Check> checks;
  for (const auto& [label, published] : cases) {
    const std::string name = std::string("manifest ") + label;
    const std::string path =
        fixture_path(fixtures, std::string("glide/manifest_") + label + ".json");
    if (path.empty()) {
      checks.push_back(skipped(name, "fixture not found under " + fixtures + "/glide"));
      continue;
    }
    try {
      const std::string text = read_text(path);
      const auto doc = nlohmann::json::parse(text);
      std::vector<std::string> problems;
      // The options in the manifest describe exactly the published configuration.
      const Config parsed = pb::nn::glide::config_from_json(text);
      if (parsed.in_channels() != published.in_channels() ||
          parsed.image_size != published.image_size ||
          parsed.num_res_blocks != published.num_res_blocks ||
          parsed.resolved_channel_mult() != published.resolved_channel_mult())
        problems.push_back("the manifest's options differ from Config's published preset");
      if (parsed.class_name() != doc.at("summary").at("model_class").get<std::string>())
        problems.push_back("model class " + parsed.class_name());

      torch::NoGradGuard no_grad;
      GlideUNet model(published);
      if (!model->named_buffers().is_empty()) problems.push_back("the model has buffers");
      std::map<std::string, std::pair<std::vector<int64_t>, std::string>> expected;
      for (const auto& e : doc.at("state_dict"))
        expected[e.at("name").get<std::string>()] = {
            e.at("shape").get<std::vector<int64_t>>(),
            e.at("dtype_after_convert_to_fp16").get<std::string>()};
      if (int64_t(expected.size()) != doc.at("n_state_dict_keys").get<int64_t>())
        problems.push_back("n_state_dict_keys disagrees with the state_dict list");
      int64_t total = 0;
      const auto params = model->named_parameters();
      for (const auto& p : params) {
        total += p.value().numel();
        const auto it = expected.find(p.key());
        if (it == expected.end())
          problems.push_back("unexpected " + p.key());
        else if (p.value().sizes().vec() != it->second.first)
          problems.push_back("shape of " + p.key());
      }
      for (const auto& [key, value] : expected)
        if (!params.contains(key)) problems.push_back("missing " + key);
      if (total != doc.at("total_parameters").get<int64_t>())
        problems.push_back("parameter count " + std::to_string(total));
      model->convert_to_fp16();
      for (const auto& p : model->named_parameters()) {
        const std::string have = p.value().scalar_type() == torch::kHalf ? "float16" : "float32";
        if (expected.count(p.key()) && expected[p.key()].second != have)
          problems.push_back(p.key() + ": " + have + " after convert_to_fp16");
      }
      if (problems.empty()) {
        Check c = measured(
            name, 0, 0,
            std::to_string(params.size()) + " keys, " + std::to_string(total) + " parameters");
        checks.push_back(c);
      } else {
        std::string detail;
        for (size_t i = 0; i < problems.size() && i < 20; ++i) detail += problems[i] + "; ";
        checks.push_back(failed(name, detail));
      }
    } catch (const std::exception& e) {
      checks.push_back(failed(name, e.what()));
    }
  }
  return checks;
}

}  // namespace pb::parity

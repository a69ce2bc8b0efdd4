// promptbrush-cli forward: one forward pass of a GLIDE network on a fixture-style
// .io.pt, written as {"output": tensor} - how anyone checks the port against the reference.
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/forward_unclip.h"
#include "engine/core/command_registry.h"
#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/nn/glide/config.h"
#include "engine/nn/glide/model.h"

namespace {

constexpr const char* kHelp =
    R"(Usage: promptbrush-cli forward --config CONFIG.json --weights W --inputs IO.pt --out OUT.pt
                           [--model glide|clip|prior|decoder|sr] [--device auto|cpu|cuda]
                           [--threads N]

Builds the network CONFIG.json describes, loads the weights W, runs one forward pass on the
tensors of IO.pt and writes a plain dict of float32 CPU tensors to OUT.pt, readable by
torch.load and torch::jit::pickle_load.

  --model glide    (default) GLIDE: CONFIG.json is a fixture's <name>.json (its "options"
                   object) or a bare options object; W a torch .pt (zip or legacy) or
                   safetensors. IO.pt: x_t [B,3,H,W], timesteps [B] (0..999), tokens [B,ctx],
                   mask [B,ctx]; inpaint models: inpaint_image, inpaint_mask;
                   super-resolution models: low_res. Writes {"output"}.
  --model clip|prior|decoder|sr
                   OpenAI CLIP, or Karlo's prior, decoder or 64->256 SR: CONFIG.json is the
                   unCLIP fixtures' small_configs.json (the entry named by --model is used)
                   or a bare config object in the same form; W a Karlo .ckpt, .safetensors,
                   state_dict or (clip) OpenAI's TorchScript archive. Inputs -> outputs,
                   with the fixtures' names:
                     clip:    pixel_values and/or tokens -> image_embeds, text_embeds, text_seq
                     prior:   x_t, timesteps, text_emb, text_enc, mask (clip_mean, clip_std)
                              -> out
                     decoder: x_t, timesteps, txt_feat, txt_feat_seq, mask, y -> out
                     sr:      x_t, timesteps, low_res -> out_first_steps, out_last_step
  --inputs IO.pt   a torch.save'd dict of tensors (zip or legacy format); other keys are
                   ignored
  --device         auto (default): CUDA in half precision when available, else CPU float32
  --threads N      intra-op threads on the CPU (default: LibTorch's choice)
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pb::Error(pb::ErrorCode::file_not_found, "cannot open " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Through the engine's own reader: every torch.save format, one-entry dicts (which
// torch::jit::pickle_load refuses) and hostile files handled as for weights.
std::map<std::string, torch::Tensor> read_inputs(const std::string& path) {
  const pb::io::Checkpoint ck = pb::io::load_checkpoint(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, tensor] : ck.tensors) out[name] = tensor;
  if (out.empty())
    throw pb::Error(pb::ErrorCode::bad_file,
                    path + ": holds no tensors (expected a torch.save'd dict of tensors)");
  return out;
}

int run_forward(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    }
  pbcli::Args args(
      argv, {"--config", "--weights", "--inputs", "--out", "--device", "--threads", "--model"}, {});
  const long long threads = args.int_or("--threads", 0);
  if (!args.ok()) return pbcli::fail("forward: " + args.error());
  for (const char* required : {"--config", "--weights", "--inputs", "--out"})
    if (!args.value(required))
      return pbcli::fail(std::string("forward: ") + required + " is required (see --help)");
  const std::string device_name = args.value_or("--device", "auto");
  if (device_name != "auto" && device_name != "cpu" && device_name != "cuda")
    return pbcli::fail("forward: --device must be auto, cpu or cuda");
  if (device_name == "cuda" && !torch::cuda::is_available())
    return pbcli::fail("forward: --device cuda but no CUDA device is available");
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  const torch::Device device =
      (device_name == "cuda" || (device_name == "auto" && torch::cuda::is_available()))
          ? torch::Device(torch::kCUDA)
          : torch::Device(torch::kCPU);

  const std::string model_kind = args.value_or("--model", "glide");
  if (model_kind != "glide") {
    if (model_kind != "clip" && model_kind != "prior" && model_kind != "decoder" &&
        model_kind != "sr")
      return pbcli::fail("forward: --model must be glide, clip, prior, decoder or sr, got '" +
                         model_kind + "'");
    pbcli::UnclipForward job{model_kind,
                             *args.value("--config"),
                             read_file(*args.value("--config")),
                             *args.value("--weights"),
                             *args.value("--inputs"),
                             read_inputs(*args.value("--inputs")),
                             device};
    pbcli::write_tensor_dict(pbcli::forward_unclip(job), *args.value("--out"));
    std::cerr << model_kind << " on " << device.str() << " -> " << *args.value("--out") << "\n";
    return 0;
  }

  using namespace pb::nn::glide;
  const std::string config_path = *args.value("--config");
  Config config;
  try {
    config = config_from_json(read_file(config_path));
  } catch (const pb::Error& e) {
    throw pb::Error(e.code(), config_path + ": " + e.what());
  }
  c10::InferenceMode inference;
  GlideUNet model(config);
  const std::string weights = *args.value("--weights");
  pb::io::load_state_dict(*model, pb::io::load_checkpoint(weights).tensors, {}, weights);
  model->eval();
  place_for_inference(*model, device);

  const std::string inputs_path = *args.value("--inputs");
  auto io = read_inputs(inputs_path);
  auto need = [&](const char* key) {
    auto it = io.find(key);
    if (it == io.end())
      throw pb::Error(pb::ErrorCode::invalid_argument,
                      inputs_path + ": has no tensor '" + key + "'");
    return it->second.to(device);
  };
  auto optional = [&](const char* key) {
    auto it = io.find(key);
    return it == io.end() ? torch::Tensor() : it->second.to(device);
  };
  UNetInputs in;
  if (config.inpaint) {
    in.inpaint_image = optional("inpaint_image");
    in.inpaint_mask = optional("inpaint_mask");
  }
  if (config.super_res) in.low_res = need("low_res");
  const torch::Tensor out =
      model->forward(need("x_t"), need("timesteps"), need("tokens"), need("mask"), in)
          .to(torch::kCPU, torch::kFloat)
          .contiguous();

  const std::string out_path = *args.value("--out");
  pbcli::write_tensor_dict({{"output", out}}, out_path);
  std::cerr << config.class_name() << " on " << device.str() << ": output " << out.sizes() << " -> "
            << out_path << "\n";
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("forward",
                    "one GLIDE, CLIP or Karlo network forward pass on a fixture-style .io.pt",
                    run_forward);

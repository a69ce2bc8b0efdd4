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
    R"(Usage: promptbrush-cli forward --config OPTIONS.json --weights W --inputs IO.pt --out OUT.pt
                           [--device auto|cpu|cuda] [--threads N]

Builds the GLIDE network OPTIONS.json describes (a fixture's <name>.json, whose "options"
object is used, or a bare options object), loads the weights W (torch .pt zip or legacy,
safetensors), runs one forward pass on the tensors of IO.pt and writes {"output": tensor}
(float32, CPU) to OUT.pt, readable by torch.load and torch::jit::pickle_load.

  --inputs IO.pt   a torch.save'd plain dict with x_t [B,3,H,W], timesteps [B] (int64,
                   0..999), tokens [B,ctx], mask [B,ctx]; inpaint models: inpaint_image,
                   inpaint_mask; super-resolution models: low_res. Other keys are ignored.
  --device         auto (default): CUDA in half precision when available, else CPU float32
  --threads N      intra-op threads on the CPU (default: LibTorch's choice)
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pb::Error(pb::ErrorCode::file_not_found, "cannot open " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::map<std::string, torch::Tensor> read_inputs(const std::string& path) {
  const std::string text = read_file(path);
  torch::IValue value;
  try {
    value = torch::jit::pickle_load(std::vector<char>(text.begin(), text.end()));
  } catch (const std::exception& e) {
    throw pb::Error(pb::ErrorCode::bad_file, path + ": not a torch.save'd plain dict of tensors (" +
                                                 std::string(e.what()).substr(0, 200) + ")");
  }
  if (!value.isGenericDict())
    throw pb::Error(pb::ErrorCode::bad_file, path + ": expected a dict of tensors");
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : value.toGenericDict())
    if (item.key().isString() && item.value().isTensor())
      out[item.key().toStringRef()] = item.value().toTensor();
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

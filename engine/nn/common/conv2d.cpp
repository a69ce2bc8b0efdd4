#include "engine/nn/common/conv2d.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "engine/core/cpu_features.h"

#ifdef PB_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace pb::nn {

#ifdef PB_HAVE_ONEDNN

namespace {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// Winograd weights are 4x the convolution's. Past this size a convolution keeps LibTorch's
// algorithm. Measured on 2 cores: the Karlo SR's step (reference 36 s, LibTorch's 29 s) takes
// 18 s with every 64 x 64 convolution, caching 4.4 GB (its 960 channels), and 23 s with this
// cap, caching 1.1 GB. Below it are the 192-640 channel convolutions of the large maps.
constexpr std::size_t kMaxWinogradWeightBytes = std::size_t(64) << 20;

// A buffer kept by its thread between calls and only ever grown. Why: the blocked src, dst
// and the Winograd scratchpad are tens of MB per call; allocated afresh each time they were
// mmap'd, faulted in and unmapped per convolution, and the unmapping holds the process's
// memory-map lock long enough to stall the GUI thread (measured: 24-65 ms gaps during a
// GLIDE run, none with these buffers kept).
class GrowingBuffer {
 public:
  void* get(std::size_t bytes, const torch::Tensor& like) {
    if (bytes == 0) return nullptr;
    if (!buffer_.defined() || static_cast<std::size_t>(buffer_.numel()) < bytes)
      buffer_ = at::empty({static_cast<int64_t>(bytes)}, like.options().dtype(torch::kByte));
    return buffer_.data_ptr();
  }

 private:
  torch::Tensor buffer_;
};

struct ScratchBuffers {
  GrowingBuffer src, dst, pad;
};

// In-place writes (a checkpoint copied in) bump it; tensors made in inference mode have none.
int64_t weight_version(const torch::Tensor& w) { return w.is_inference() ? 0 : w._version(); }

}  // namespace

// The oneDNN primitive for one input shape and layout, with the weights in its layout.
struct WinogradPlan {
  int64_t n = 0, h = 0, w = 0;
  bool channels_last = false;
  const void* weight_data = nullptr;  // the weights it was made from: a reload invalidates it
  int64_t weight_version = 0;
  bool supported = false;  // false: oneDNN has no Winograd kernel for it; use LibTorch
  dnnl::convolution_forward conv;
  dnnl::memory::desc src_md, dst_md, bias_md, scratchpad_md, user_src_md, user_dst_md;
  dnnl::reorder src_reorder, dst_reorder;
  dnnl::memory weights;  // shared between plans whose weight layouts are equal
};

int64_t default_cpu_winograd_min_pixels() { return cpu_has_avx512() ? 64 * 64 : 0; }

#else

struct WinogradPlan {
  int64_t n = 0, h = 0, w = 0;
  bool channels_last = false;
  bool supported = false;
};

int64_t default_cpu_winograd_min_pixels() { return 0; }

#endif

Conv2dImpl::Conv2dImpl(const torch::nn::Conv2dOptions& options)
    : torch::nn::Conv2dImpl(options), winograd_min_pixels_(default_cpu_winograd_min_pixels()) {}

Conv2dImpl::~Conv2dImpl() = default;

void Conv2dImpl::set_cpu_winograd_min_pixels(int64_t pixels) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pixels == winograd_min_pixels_) return;
  winograd_min_pixels_ = pixels;
  plans_.clear();
}

bool Conv2dImpl::winograd_applies(const torch::Tensor& x) const {
#ifdef PB_HAVE_ONEDNN
  if (winograd_min_pixels_ <= 0 || !x.is_cpu() || x.dim() != 4 ||
      x.scalar_type() != torch::kFloat || weight.scalar_type() != torch::kFloat ||
      (bias.defined() && bias.scalar_type() != torch::kFloat) ||
      x.size(2) * x.size(3) < winograd_min_pixels_)
    return false;
  if (torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) return false;
  const auto& o = options;
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
  return padding && (*padding)->at(0) == 1 && (*padding)->at(1) == 1 &&
         c10::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()) &&
         o.kernel_size()->at(0) == 3 && o.kernel_size()->at(1) == 3 && o.stride()->at(0) == 1 &&
         o.stride()->at(1) == 1 && o.dilation()->at(0) == 1 && o.dilation()->at(1) == 1 &&
         o.groups() == 1 && o.in_channels() % 16 == 0 && o.out_channels() % 16 == 0 &&
         x.size(1) == o.in_channels();
#else
  (void)x;
  return false;
#endif
}

#ifdef PB_HAVE_ONEDNN

std::shared_ptr<const WinogradPlan> Conv2dImpl::plan_for(const torch::Tensor& x, int64_t n) {
  // Only one-row plans transform weights; a plan of more rows is used only where oneDNN's
  // layout for it equals the one-row layout, so the cache holds one layout per shape.
  const bool may_transform = n == 1;
  const int64_t h = x.size(2), w = x.size(3);
  const bool channels_last = !x.is_contiguous();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!plans_.empty() && (plans_.front()->weight_data != weight.data_ptr() ||
                          plans_.front()->weight_version != weight_version(weight)))
    plans_.clear();
  for (const auto& p : plans_)
    if (p->n == n && p->h == h && p->w == w && p->channels_last == channels_last) return p;

  auto plan = std::make_shared<WinogradPlan>();
  plan->n = n;
  plan->h = h;
  plan->w = w;
  plan->channels_last = channels_last;
  plan->weight_data = weight.data_ptr();
  plan->weight_version = weight_version(weight);
  using md = dnnl::memory::desc;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  const int64_t ic = options.in_channels(), oc = options.out_channels();
  const dnnl::memory::dims src_dims{n, ic, h, w}, dst_dims{n, oc, h, w}, wei_dims{oc, ic, 3, 3};
  const tag user_tag = channels_last ? tag::nhwc : tag::nchw;
  plan->user_src_md = md(src_dims, dt::f32, user_tag);
  plan->user_dst_md = md(dst_dims, dt::f32, user_tag);
  try {
    plan->bias_md = bias.defined() ? md({oc}, dt::f32, tag::x) : md();
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_winograd,
        md(src_dims, dt::f32, tag::any), md(wei_dims, dt::f32, tag::any), plan->bias_md,
        md(dst_dims, dt::f32, tag::any), {1, 1}, {1, 1}, {1, 1});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
    plan->scratchpad_md = pd.scratchpad_desc();
    plan->conv = dnnl::convolution_forward(pd);
    plan->src_md = pd.src_desc();
    plan->dst_md = pd.dst_desc();
    plan->src_reorder = dnnl::reorder(
        dnnl::reorder::primitive_desc(cpu_engine(), plan->user_src_md, cpu_engine(), plan->src_md));
    plan->dst_reorder = dnnl::reorder(
        dnnl::reorder::primitive_desc(cpu_engine(), plan->dst_md, cpu_engine(), plan->user_dst_md));
    if (pd.weights_desc().get_size() > kMaxWinogradWeightBytes) {
      plans_.push_back(plan);  // supported = false: LibTorch's, without asking again
      return plan;
    }
    for (const auto& p : plans_)
      if (p->supported && p->weights.get_desc() == pd.weights_desc()) plan->weights = p->weights;
    if (!plan->weights && !may_transform) {
      plans_.push_back(plan);  // supported = false: chunks of one row instead
      return plan;
    }
    if (!plan->weights) {
      torch::Tensor wt = weight.detach().contiguous();
      dnnl::memory user_weights(md(wei_dims, dt::f32, tag::oihw), cpu_engine(), wt.data_ptr());
      plan->weights = dnnl::memory(pd.weights_desc(), cpu_engine());
      dnnl::stream stream(cpu_engine());
      dnnl::reorder(user_weights, plan->weights).execute(stream, user_weights, plan->weights);
      stream.wait();
    }
    plan->supported = true;
  } catch (const dnnl::error&) {
    plan->supported = false;  // no Winograd kernel for this CPU or shape
  }
  plans_.push_back(plan);
  return plan;
}

#else

std::shared_ptr<const WinogradPlan> Conv2dImpl::plan_for(const torch::Tensor&, int64_t) {
  return nullptr;
}

#endif

torch::Tensor Conv2dImpl::forward(const torch::Tensor& input) {
  if (!winograd_applies(input)) return torch::nn::Conv2dImpl::forward(input);
#ifdef PB_HAVE_ONEDNN
  const torch::Tensor x =
      input.is_contiguous() || input.is_contiguous(at::MemoryFormat::ChannelsLast)
          ? input
          : input.contiguous();
  // Chunks of two rows where oneDNN's weight layout for two equals its layout for one, else
  // one row per call. oneDNN picks its kernel, and so the weights' layout, by the batch size
  // (F(4x4) for one row, F(2x2) for two at some shapes, another blocking from three on): a
  // plan per batch size would cache a copy of the weights per size, and interpolation batches
  // its frames. Measured (Karlo decoder, batch 2): 4.4 s per step with two-row calls, 5.0 s
  // with one. Rows are the outermost dimension in both layouts: a chunk is a pointer offset.
  const int64_t n = x.size(0);
  const std::shared_ptr<const WinogradPlan> one = plan_for(x, 1);
  if (!one->supported) return torch::nn::Conv2dImpl::forward(input);
  // Named for profilers (bench --profile): oneDNN's calls are no ATen operator.
  RECORD_FUNCTION("pb::winograd_conv2d", c10::ArrayRef<const c10::IValue>{});
  std::shared_ptr<const WinogradPlan> two;
  if (n >= 2) two = plan_for(x, 2);
  const int64_t chunk = two && two->supported ? 2 : 1;
  const auto layout =
      one->channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  torch::Tensor y =
      at::empty({n, options.out_channels(), one->h, one->w}, x.options().memory_format(layout));
  const torch::Tensor b = bias.defined() ? bias.detach().contiguous() : torch::Tensor();
  for (int64_t row = 0; row < n; row += chunk) {
    const int64_t rows = std::min(chunk, n - row);
    run(rows == 2 ? *two : *one, x.narrow(0, row, rows), y.narrow(0, row, rows), b);
  }
  return y;
#else
  return torch::nn::Conv2dImpl::forward(input);
#endif
}

#ifdef PB_HAVE_ONEDNN

void Conv2dImpl::run(const WinogradPlan& plan, const torch::Tensor& x, const torch::Tensor& y,
                     const torch::Tensor& b) const {
  thread_local ScratchBuffers scratch;
  void* src_buf = scratch.src.get(plan.src_md.get_size(), x);
  void* dst_buf = scratch.dst.get(plan.dst_md.get_size(), x);
  void* pad_buf = scratch.pad.get(plan.scratchpad_md.get_size(), x);
  dnnl::engine& engine = cpu_engine();
  try {
    dnnl::memory user_src(plan.user_src_md, engine, x.data_ptr());
    dnnl::memory user_dst(plan.user_dst_md, engine, y.data_ptr());
    dnnl::memory src(plan.src_md, engine, src_buf);
    dnnl::memory dst(plan.dst_md, engine, dst_buf);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_WEIGHTS, plan.weights},
        {DNNL_ARG_DST, dst},
        {DNNL_ARG_SCRATCHPAD, dnnl::memory(plan.scratchpad_md, engine, pad_buf)}};
    if (b.defined()) args.emplace(DNNL_ARG_BIAS, dnnl::memory(plan.bias_md, engine, b.data_ptr()));
    dnnl::stream stream(engine);
    plan.src_reorder.execute(stream, user_src, src);
    plan.conv.execute(stream, args);
    plan.dst_reorder.execute(stream, dst, user_dst);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("Winograd convolution (oneDNN) failed: ") + e.what());
  }
}

#endif

std::size_t Conv2dImpl::winograd_cache_bytes() const {
  std::size_t total = 0;
#ifdef PB_HAVE_ONEDNN
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<const void*> seen;
  for (const auto& p : plans_) {
    if (!p->supported) continue;
    const void* handle = p->weights.get_data_handle();
    if (std::find(seen.begin(), seen.end(), handle) != seen.end()) continue;
    seen.push_back(handle);
    total += p->weights.get_desc().get_size();
  }
#endif
  return total;
}

void set_cpu_winograd_min_pixels(torch::nn::Module& root, int64_t pixels) {
  for (const auto& m : root.modules(/*include_self=*/true))
    if (auto* conv = m->as<Conv2dImpl>()) conv->set_cpu_winograd_min_pixels(pixels);
}

std::size_t winograd_cache_bytes(const torch::nn::Module& root) {
  std::size_t total = 0;
  for (const auto& m : root.modules(/*include_self=*/true))
    if (const auto* conv = m->as<Conv2dImpl>()) total += conv->winograd_cache_bytes();
  return total;
}

}  // namespace pb::nn

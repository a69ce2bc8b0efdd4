// fuzz_make_corpus OUT_DIR [FIXTURES_DIR]: writes the seed corpora of the fuzz targets,
// one folder per target under OUT_DIR (see fuzz/README.md):
//  - small hand-made files from our own writers (checkpoint_writer, safetensors_writer,
//    write_png, cv::imencode, zlib) and a few crafted byte strings, so a corpus exists
//    without the fixtures;
//  - the fixture files (licensed: never committed, copied at build/test time) of at most
//    1 MiB, and the data.pkl entries of every fixture zip. FIXTURES_DIR defaults to
//    $PROMPTBRUSH_FIXTURES, else ../shared/fixtures beside the source checkout; missing
//    fixtures are not an error.
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/io/checkpoint_writer.h"
#include "engine/io/mmap_file.h"
#include "engine/io/safetensors_writer.h"
#include "engine/io/zip_archive.h"
#include "tests/io/zip_builder.h"
#include "engine/pipelines/png_io.h"

namespace fs = std::filesystem;
using pb::io::TensorList;
using pb::io::TorchPickler;

namespace {

fs::path g_out;

std::string path_in(const std::string& target, const std::string& name) {
  fs::create_directories(g_out / target);
  return (g_out / target / name).string();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void put_le(std::string& s, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// zlib's deflate with the given window bits (-15 raw, 15 zlib, 31 gzip).
std::string deflate_bytes(const std::string& in, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Archives our checkpoint writer does not make (TorchScript archives, deflated pickles),
// through the tests' zip writer.
struct ZipEntry {
  std::string name, data;
  bool deflate = false;
};
std::string make_zip(const std::vector<ZipEntry>& entries) {
  pbtest::ZipBuilder zip;
  for (const auto& e : entries) zip.add(e.name, e.data, e.deflate);
  return zip.bytes();
}

std::string storage_bytes(const torch::Tensor& flat) {
  return std::string(static_cast<const char*>(flat.data_ptr()), flat.numel() * flat.element_size());
}

TensorList small_tensors() {
  torch::manual_seed(1);
  torch::Tensor base = torch::randn({4, 3});
  return {{"weight", base},
          {"bias", torch::arange(3, torch::kFloat16)},
          {"view", base.narrow(0, 1, 2)},  // shares base's storage: written as a view
          {"transposed", torch::randn({2, 3}).t()},
          {"steps", torch::tensor({1, 2, 3}, torch::kInt64)},
          {"scale", torch::tensor(2.5, torch::kBFloat16)},
          {"mask", torch::tensor({true, false})},
          {"empty", torch::empty({0, 4})}};
}

// {'state_dict': {...}, 'epoch': 3, 'global_step': 10, 'hyper_parameters': {...},
//  'callbacks': argparse.Namespace(...), 'stats': (tensor, 1.5)} as Lightning writes them.
void lightning(TorchPickler& p, const TensorList& tensors) {
  TensorList named;
  for (const auto& [n, t] : tensors) named.emplace_back("model." + n, t);
  named.emplace_back("ema.decay", torch::tensor(0.999));
  p.empty_dict().mark();
  p.string("state_dict").state_dict(named);
  p.string("epoch").integer(3).string("global_step").integer(1ll << 40);
  p.string("hyper_parameters").empty_dict().mark().string("lr").floating(1e-4);
  p.string("name").string("unclip").string("ema").boolean(true).string("none").none();
  p.setitems();
  p.string("callbacks").global("argparse", "Namespace").empty_tuple().newobj();
  p.empty_dict().mark().string("monitor").string("val/loss").setitems().build();
  p.string("stats").mark().tensor(torch::ones({2})).floating(1.5).tuple();
  p.string("optimizer_states").empty_list().mark().integer(-7).appends();
  p.setitems();
}

void checkpoints() {
  const TensorList tensors = small_tensors();
  for (const char* target : {"checkpoint_zip", "inspect"}) {
    pb::io::save_torch_zip(path_in(target, "gen_state_dict.pt"), tensors);
    pb::io::save_torch_zip(path_in(target, "gen_one.pt"), {{"w", torch::ones({1})}});
    TorchPickler p;
    lightning(p, tensors);
    pb::io::write_torch_zip(path_in(target, "gen_lightning.ckpt"), p);
    write_file(path_in("pickle", "gen_lightning.pkl"), p.finish());
    TorchPickler tup;
    tup.mark().tensor(torch::zeros({3})).string("x").none().tuple();
    pb::io::write_torch_zip(path_in(target, "gen_tuple.pt"), tup, "archive");
  }
  for (const char* target : {"checkpoint_legacy", "inspect"}) {
    pb::io::save_torch_legacy(path_in(target, "gen_legacy_state_dict.pt"), tensors);
    TorchPickler p(/*legacy=*/true);
    lightning(p, tensors);
    pb::io::write_torch_legacy(path_in(target, "gen_legacy_lightning.ckpt"), p);
    write_file(path_in("pickle", "gen_lightning_legacy.pkl"), p.finish());
  }
  TensorList plain;  // safetensors holds contiguous tensors of its own dtypes
  for (const auto& [n, t] : tensors) plain.emplace_back(n, t.contiguous().clone());
  for (const char* target : {"safetensors", "inspect"}) {
    pb::io::save_safetensors(path_in(target, "gen.safetensors"), plain,
                             {{"format", "pt"}, {"note", "\u00e9t\u00e9"}});
    pb::io::save_safetensors(path_in(target, "gen_empty.safetensors"), {});
    pb::io::save_safetensors(path_in(target, "gen_one.safetensors"), {{"w", torch::ones({2, 2})}});
  }
}

// A torch.jit.save-like archive: a module tree of __torch__ objects whose BUILD state dicts
// hold tensors, code/ files (deflated) declaring parameters and buffers, constants.pkl.
void torchscript() {
  TorchPickler p;
  const torch::Tensor w = torch::randn({2, 2}), b = torch::zeros({2}), rm = torch::ones({2});
  p.global("__torch__.model", "Net").empty_tuple().newobj().empty_dict().mark();
  p.string("training").boolean(false).string("version").integer(2);
  p.string("proj").global("__torch__.model", "Linear").empty_tuple().newobj().empty_dict().mark();
  p.string("weight").tensor(w).string("bias").tensor(b).string("running").tensor(rm);
  p.setitems().build();
  p.string("scale").tensor(torch::tensor(3.0)).setitems().build();
  const std::string pkl = p.finish();
  write_file(path_in("pickle", "gen_torchscript.pkl"), pkl);
  std::vector<ZipEntry> entries = {{"net/data.pkl", pkl}};
  for (const auto& s : p.storages())
    entries.push_back({"net/data/" + s.key, storage_bytes(s.storage)});
  entries.push_back({"net/code/__torch__/model.py",
                     "class Net(Module):\n  __parameters__ = [\"scale\", ]\n"
                     "  __buffers__ = []\n  proj : __torch__.model.Linear\n"
                     "class Linear(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n"
                     "  __buffers__ = ['running', ]\n",
                     true});
  entries.push_back({"net/constants.pkl", std::string("\x80\x02)."), false});
  entries.push_back({"net/version", "3\n"});
  for (const char* target : {"torchscript", "inspect"}) {
    write_file(path_in(target, "gen_module.pt"), make_zip(entries));
    // Without code/: every tensor attribute counts as a parameter.
    std::vector<ZipEntry> bare = entries;
    bare.erase(bare.begin() + static_cast<long>(p.storages().size()) + 1);
    write_file(path_in(target, "gen_no_code.pt"), make_zip(bare));
  }
  // A torch.save zip whose pickle is deflated (not PyTorch's writer, but readable).
  std::vector<ZipEntry> deflated = entries;
  deflated[0].deflate = true;
  deflated.erase(deflated.end() - 3, deflated.end() - 1);  // no code/, no constants.pkl
  write_file(path_in("checkpoint_zip", "gen_deflated_pickle.pt"), make_zip(deflated));
}

// Opcodes our writer never emits, as Python's pickle writes them (protocols 2 and 4).
void pickles() {
  using namespace std::string_literals;  // "..."s keeps embedded NULs
  // protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, BINGET, LONG1, BININT, BINFLOAT
  const std::string dict =
      "}\x94(\x8c\x01"
      "a\x94K\x01\x8c\x01"
      "b\x94\x8a\x09"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x8c\x01"
      "c\x94"
      "J\xff\xff\xff\xffh\x02G?\xf8\x00\x00\x00\x00\x00\x00u."s;
  std::string proto4 = "\x80\x04\x95"s;
  put_le(proto4, dict.size(), 8);
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"proto4_dict.pkl", proto4 + dict},
      // EMPTY_SET, ADDITEMS, FROZENSET, TUPLE2
      {"proto4_set.pkl", "\x80\x04\x8f\x94(K\x01K\x02\x90\x91(K\x03\x91\x86."s},
      {"proto2_codecs.pkl",
       "\x80\x02"
       "c_codecs\nencode\nq\x00X\x02\x00\x00\x00\xc3\xa9"
       "q\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04."s},
      {"proto2_size.pkl",
       "\x80\x02"
       "ctorch\nSize\n"
       "K\x02K\x03\x86\x85R."s},
      {"proto2_denied.pkl",
       "\x80\x02"
       "cos\nsystem\n"
       "X\x02\x00\x00\x00id\x85R."s},
  };
  for (const auto& [name, bytes] : seeds) write_file(path_in("pickle", name), bytes);
}

void gzips() {
  const std::string merges = "#version: 0.2\nh e\nt h\nth e</w>\n\xc4\xa0 t\n";
  const std::string json = "{\"!\": 0, \"\\u00e9\": 1, \"hello\": 2}";
  write_file(path_in("gzip", "gen_merges.gz"), deflate_bytes(merges, 31));
  write_file(path_in("gzip", "gen_json.gz"), deflate_bytes(json, 31));
  write_file(path_in("gzip", "gen_two_members.gz"),
             deflate_bytes("#v\na b\n", 31) + deflate_bytes("c d\n", 31));
  write_file(path_in("gzip", "gen_not_utf8.gz"), deflate_bytes("a \xff\xfe\n", 31));
  write_file(path_in("gzip", "gen_empty.gz"), deflate_bytes("", 31));
}

// A PNG chunk with its CRC.
std::string png_chunk(const std::string& type, const std::string& body) {
  std::string c;
  for (int i = 3; i >= 0; --i) c.push_back(static_cast<char>((body.size() >> (8 * i)) & 0xFF));
  std::string tb = type + body;
  c += tb;
  const auto crc =
      crc32(0, reinterpret_cast<const Bytef*>(tb.data()), static_cast<uInt>(tb.size()));
  for (int i = 3; i >= 0; --i) c.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return c;
}

void images() {
  using pb::pipelines::PngText;
  pb::Image rgb(3, 2, 3, 200), grey(2, 2, 1, 100), rgba(2, 1, 4, 0);
  rgb.at(1, 1, 0) = 7;
  rgba.at(1, 0, 3) = 255;
  const std::vector<PngText> texts = {
      {"parameters", "a cat\nNegative prompt: dog\nSteps: 5, Sampler: DDIM, Seed: 1", false},
      {"promptbrush", "{\"version\": 1, \"applied\": [{\"prompt\": \"\u00e9\"}]}", true},
      {"Comment", "", false}};
  for (const char* target : {"png", "image"}) {
    pb::pipelines::write_png(path_in(target, "gen_rgb.png"), rgb, texts);
    pb::pipelines::write_png(path_in(target, "gen_grey.png"), grey, {});
    pb::pipelines::write_png(path_in(target, "gen_rgba.png"), rgba, {texts[0]});
  }
  // zTXt and compressed iTXt right after IHDR (8 signature + 25 IHDR bytes).
  const std::string png = read_file(g_out / "png" / "gen_grey.png");
  const std::string ztxt =
      png_chunk("zTXt", std::string("parameters\0\0", 12) + deflate_bytes("a dog\nSteps: 9", 15));
  const std::string itxt =
      png_chunk("iTXt", std::string("promptbrush\0\1\0\0\0", 16) +
                            deflate_bytes("{\"version\": 1, \"applied\": []}", 15));
  write_file(path_in("png", "gen_ztxt_itxt.png"), png.substr(0, 33) + ztxt + itxt + png.substr(33));

  cv::Mat bgr(5, 4, CV_8UC3, cv::Scalar(10, 120, 240));
  const std::vector<std::pair<std::string, cv::Mat>> encoded = {
      {"gen.jpg", bgr},
      {"gen.webp", bgr},
      {"gen.bmp", bgr},
      {"gen.tiff", bgr},
      {"gen16.png", cv::Mat(3, 3, CV_16UC1, cv::Scalar(40000))},
      {"gen_float.tiff", cv::Mat(2, 2, CV_32FC1, cv::Scalar(0.5))},
      {"gen.pgm", cv::Mat(2, 3, CV_8UC1, cv::Scalar(9))}};
  for (const auto& [name, mat] : encoded) {
    std::vector<unsigned char> buf;
    if (cv::imencode(name.substr(name.find('.')), mat, buf))
      write_file(path_in("image", name), std::string(buf.begin(), buf.end()));
  }
}

std::string default_fixtures() {
  if (const char* env = std::getenv("PROMPTBRUSH_FIXTURES"); env && *env) return env;
  return PB_DEFAULT_FIXTURES;
}

// Fixture files of at most 1 MiB as they are, and every fixture zip's data.pkl.
int copy_fixtures(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  int copied = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    const std::string ext = e.path().extension().string();
    const std::string seed = "fix_" + e.path().parent_path().filename().string() + "_" + name;
    std::vector<std::string> targets;
    if (ext == ".gz") targets = {"gzip"};
    if (ext == ".safetensors") targets = {"safetensors", "inspect"};
    if (name.find(".legacy.") != std::string::npos) targets = {"checkpoint_legacy", "inspect"};
    if (ext == ".png") targets = {"png", "image"};
    const bool torch_file = (ext == ".pt" || ext == ".ckpt" || ext == ".th") && targets.empty();
    if (torch_file) {
      auto file = pb::io::MappedFile::open(e.path().string());
      pb::io::ByteSpan bytes{file->data(), file->size()};
      if (pb::io::ZipArchive::looks_like_zip(bytes)) {
        pb::io::ZipArchive zip(bytes, e.path().string());
        bool ts = false;
        for (const auto& entry : zip.entries()) {
          if (entry.name.size() > 9 && entry.name.ends_with("/data.pkl") && entry.method == 0) {
            auto pkl = zip.data(entry);
            write_file(path_in("pickle", seed + ".pkl"),
                       std::string(reinterpret_cast<const char*>(pkl.data), pkl.size));
          }
          ts = ts || entry.name.ends_with("/constants.pkl");
        }
        targets = {ts ? "torchscript" : "checkpoint_zip", "inspect"};
      } else {
        targets = {"checkpoint_legacy", "inspect"};
      }
    }
    if (targets.empty() || e.file_size() > (1u << 20)) continue;
    for (const auto& t : targets)
      fs::copy_file(e.path(), path_in(t, seed), fs::copy_options::overwrite_existing);
    ++copied;
  }
  return copied;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: fuzz_make_corpus OUT_DIR [FIXTURES_DIR]\n";
    return 2;
  }
  try {
    g_out = argv[1];
    checkpoints();
    torchscript();
    pickles();
    gzips();
    images();
    const std::string fixtures = argc > 2 ? argv[2] : default_fixtures();
    const int n = copy_fixtures(fixtures);
    std::cout << "fuzz_make_corpus: corpora in " << g_out.string() << " (" << n
              << " fixture files from " << fixtures << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "fuzz_make_corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

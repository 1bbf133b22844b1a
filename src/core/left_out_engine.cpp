#include "manydb/core/left_out_engine.hpp"

namespace manydb {

const LeftOutEngine* left_out_engine(std::string_view scheme,
                                     std::span<const LeftOutEngine> engines) {
  for (const LeftOutEngine& engine : engines) {
    for (std::string_view spelling : engine.url_scheme->schemes) {
      if (spelling == scheme) return &engine;
    }
  }
  return nullptr;
}

const LeftOutEngine* left_out_engine(Backend backend, std::span<const LeftOutEngine> engines) {
  for (const LeftOutEngine& engine : engines) {
    if (engine.url_scheme->backend == backend) return &engine;
  }
  return nullptr;
}

std::string left_out_message(std::string_view scheme, const LeftOutEngine& engine) {
  return std::string(scheme) + ":// URLs need the " + std::string(engine.name) +
         " engine, left out of this build: configure with -D" + std::string(engine.cmake_option) +
         "=ON";
}

}  // namespace manydb

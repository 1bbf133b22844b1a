#pragma once
// What a connection's receive() would wait for: the server's socket to become readable, until
// the deadline past which it gives up on the answer. A program with an event loop waits for it
// there (manydb/asio/await.hpp) and calls receive() once it is over, which then does not block.
#include <chrono>

namespace manydb {

struct AnswerWait {
  int socket = -1;
  std::chrono::steady_clock::time_point deadline{};
};

}  // namespace manydb

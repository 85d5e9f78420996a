#ifndef CAIRN_LANG_AST_ARENA_H_
#define CAIRN_LANG_AST_ARENA_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/types/span.h"

namespace cairn {

// A bump allocator for trivially destructible objects (AST nodes, spans,
// strings). Everything is freed at once with the arena.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  // Constructs a T in the arena.
  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>,
                  "arena objects are never destroyed");
    return new (Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }

  // Copies `items` into the arena.
  template <typename T>
  absl::Span<T> Copy(absl::Span<const T> items) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (items.empty()) return {};
    T* data = static_cast<T*>(Allocate(sizeof(T) * items.size(), alignof(T)));
    std::memcpy(static_cast<void*>(data), items.data(),
                sizeof(T) * items.size());
    return absl::Span<T>(data, items.size());
  }

  // Copies `text` into the arena.
  std::string_view CopyString(std::string_view text) {
    if (text.empty()) return {};
    char* data = static_cast<char*>(Allocate(text.size(), 1));
    std::memcpy(data, text.data(), text.size());
    return std::string_view(data, text.size());
  }

  // Bytes handed out so far, for benchmarks.
  size_t bytes_used() const { return used_; }

 private:
  void* Allocate(size_t size, size_t align) {
    size_t offset = (offset_ + align - 1) & ~(align - 1);
    if (blocks_.empty() || offset + size > block_size_) {
      size_t block = std::max(kBlockSize, size);
      blocks_.push_back(std::make_unique<std::byte[]>(block));
      block_size_ = block;
      offset = 0;
    }
    offset_ = offset + size;
    used_ += size;
    return blocks_.back().get() + offset;
  }

  static constexpr size_t kBlockSize = 64 * 1024;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  size_t block_size_ = 0;
  size_t offset_ = 0;
  size_t used_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_LANG_AST_ARENA_H_

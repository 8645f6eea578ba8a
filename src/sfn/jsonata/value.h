// The evaluator's value model: JSON values plus JSONata's undefined, functions and sequence flags,
// with shared immutable arrays/objects so paths never copy large documents.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wharf::jsonata {

enum class Kind : uint8_t { kUndefined, kNull, kBool, kNumber, kString, kArray, kObject, kFunction };

struct Object;
struct Function;
class Value;
using Array = std::vector<Value>;

// Array flags, mirroring the properties jsonata-js attaches to its arrays.
enum ArrayFlag : uint8_t {
  kSequence = 1,
  kKeepSingleton = 2,
  kCons = 4,
  kOuterWrapper = 8,
  kTupleStream = 16,
};

class Value {
 public:
  Value() = default;
  static Value null() { return Value(Kind::kNull); }
  static Value boolean(bool b) {
    Value v(Kind::kBool);
    v.b_ = b;
    return v;
  }
  static Value number(double n) {
    Value v(Kind::kNumber);
    v.n_ = n;
    return v;
  }
  static Value string(std::string s) {
    Value v(Kind::kString);
    v.p_ = std::make_shared<std::string>(std::move(s));
    return v;
  }
  static Value array(std::shared_ptr<Array> a, uint8_t flags = 0) {
    Value v(Kind::kArray);
    v.p_ = std::move(a);
    v.flags_ = flags;
    return v;
  }
  static Value array(Array a, uint8_t flags = 0) { return array(std::make_shared<Array>(std::move(a)), flags); }
  static Value sequence(Array a = {}) { return array(std::move(a), kSequence); }
  static Value object(std::shared_ptr<Object> o) {
    Value v(Kind::kObject);
    v.p_ = std::move(o);
    return v;
  }
  static Value function(std::shared_ptr<Function> f) {
    Value v(Kind::kFunction);
    v.p_ = std::move(f);
    return v;
  }

  Kind kind() const { return kind_; }
  bool isUndefined() const { return kind_ == Kind::kUndefined; }
  bool isDefined() const { return kind_ != Kind::kUndefined; }
  bool isNull() const { return kind_ == Kind::kNull; }
  bool isBool() const { return kind_ == Kind::kBool; }
  bool isNumber() const { return kind_ == Kind::kNumber; }
  bool isString() const { return kind_ == Kind::kString; }
  bool isArray() const { return kind_ == Kind::kArray; }
  bool isObject() const { return kind_ == Kind::kObject; }
  bool isFunction() const { return kind_ == Kind::kFunction; }

  bool asBool() const { return b_; }
  double asNumber() const { return n_; }
  const std::string& str() const { return *static_cast<const std::string*>(p_.get()); }
  const Array& arr() const { return *static_cast<const Array*>(p_.get()); }
  // Mutable access is only for values still being built (not yet shared) and transform clones.
  Array& mutArr() const { return *static_cast<Array*>(p_.get()); }
  const Object& obj() const { return *static_cast<const Object*>(p_.get()); }
  Object& mutObj() const { return *static_cast<Object*>(p_.get()); }
  const Function& fn() const { return *static_cast<const Function*>(p_.get()); }
  const void* identity() const { return p_.get(); }

  uint8_t flags() const { return flags_; }
  bool hasFlag(ArrayFlag f) const { return (flags_ & f) != 0; }
  void setFlag(ArrayFlag f) { flags_ |= f; }
  void clearFlags() { flags_ = 0; }
  bool isSequence() const { return kind_ == Kind::kArray && hasFlag(kSequence); }

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kUndefined;
  uint8_t flags_ = 0;
  bool b_ = false;
  double n_ = 0;
  std::shared_ptr<void> p_;
};

// An object keeps insertion order (as JavaScript does for string keys) with a hash index once it grows.
struct Object {
  std::vector<std::pair<std::string, Value>> entries;

  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value value);
  void erase(std::string_view key);
  size_t size() const { return entries.size(); }

 private:
  static constexpr size_t kIndexFrom = 12;
  void rebuildIndex();
  std::unordered_map<std::string, uint32_t> index_;
};

Value makeObject();

// JavaScript's Number.prototype.toString for a double.
std::string formatJsNumber(double d);
// JSON.stringify as JSONata's $string uses it (numbers rounded to 15 significant digits).
std::string stringify(const Value& v, bool pretty);
bool deepEqual(const Value& a, const Value& b);

}  // namespace wharf::jsonata

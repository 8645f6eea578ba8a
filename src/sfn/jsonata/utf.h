// UTF-8 / UTF-16 helpers: JSONata counts string positions in UTF-16 code units (as JavaScript does)
// and string lengths in code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::jsonata {

void appendUtf8(std::string& out, uint32_t cp);
std::u16string toUtf16(std::string_view s);
// Lone surrogates are written as their 3-byte (WTF-8) encoding so they survive a round trip.
std::string fromUtf16(std::u16string_view s);
std::vector<uint32_t> codePoints(std::string_view s);
std::string fromCodePoints(const std::vector<uint32_t>& cps, size_t begin, size_t end);
size_t codePointCount(std::string_view s);
// Code point strings, for picture-string parsing that indexes characters.
std::u32string toUtf32(std::string_view s);
std::string fromUtf32(std::u32string_view s);
// Compares as JavaScript compares strings (by UTF-16 code units); <0, 0 or >0.
int compareUtf16(std::string_view a, std::string_view b);

}  // namespace wharf::jsonata

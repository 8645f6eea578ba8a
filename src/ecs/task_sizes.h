// Task-level cpu/memory as ECS accepts them ("1 vCPU", "0.25 vcpu", "1024"; "2 GB", "512") and
// the Fargate sizes AWS offers.
#pragma once

#include <optional>
#include <string_view>

namespace wharf::ecs {

// CPU units (1024 per vCPU); nullopt when malformed or not positive.
std::optional<int> parseCpuUnits(std::string_view text);
// MiB; nullopt when malformed or not positive.
std::optional<int> parseMemoryMiB(std::string_view text);
// Whether Fargate has a configuration with exactly this cpu and memory.
bool isFargateSize(int cpuUnits, int memoryMiB);

inline constexpr char kFargatePlatformVersion[] = "1.4.0";  // what LATEST resolves to on Linux

}  // namespace wharf::ecs

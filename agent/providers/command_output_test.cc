#include "agent/providers/command_output.h"

#include <string>

#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

TEST(RedactTest, EveryOccurrenceLongestFirst) {
  EXPECT_EQ(Redact("a=hunter2 b=hunter2x c=hunter2", {"hunter2", "hunter2x"}),
            "a=(secret) b=(secret) c=(secret)");
  EXPECT_EQ(Redact("nothing here", {"", "absent"}), "nothing here");
}

TEST(OutputTailTest, LastLinesOfStderrElseStdout) {
  CommandResult result;
  for (int i = 1; i <= 7; ++i) result.err += "e" + std::to_string(i) + "\n";
  result.out = "out\n";
  EXPECT_EQ(OutputTail(result, {}, 3), "e5\ne6\ne7");
  result.err = " \n";
  EXPECT_EQ(OutputTail(result, {}), "out");
  result.out.clear();
  EXPECT_EQ(OutputTail(result, {}), "(no output)");
}

TEST(OutputTailTest, SecretsGoBeforeTheCutAndBytesAreEscaped) {
  CommandResult result;
  // A secret of two lines, the tail starting at its second: taken out of
  // the whole output first, none of it shows.
  result.err = "x\nkey-part-1\nkey-part-2\n\xff\n";
  std::string tail = OutputTail(result, {"key-part-1\nkey-part-2"}, 2);
  EXPECT_EQ(tail, "(secret)\n\\xFF");
  result.err = std::string(1000, 'x') + "\n";
  tail = OutputTail(result, {});
  EXPECT_EQ(tail.size(), 403u);
  EXPECT_EQ(tail.substr(400), "...");
}

}  // namespace
}  // namespace cairn::agent

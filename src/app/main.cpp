// nanomq: the broker's executable. Wiring only; the command line is app/commands.cpp.
#include "app/commands.hpp"

int main(int argc, char** argv) {
    return nmq::app::run_command_line(argc, argv);
}

# Sanitizer builds (see CMakePresets.json: asan, tsan, fuzz). Flags go on every target of the
# build, modules included: a module that the host loads must be instrumented like the host.
#
#   PLINTH_SANITIZE  AddressSanitizer + UndefinedBehaviorSanitizer (any compiler)
#   PLINTH_TSAN      ThreadSanitizer (clang; gcc works too)
#   PLINTH_FUZZ      libFuzzer targets under fuzz/ (clang only): every target gets coverage
#                    instrumentation, ASan and UBSan; the fuzzers link libFuzzer's main.

if(PLINTH_TSAN AND (PLINTH_SANITIZE OR PLINTH_FUZZ))
  message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer or fuzzing")
endif()

if(PLINTH_SANITIZE OR PLINTH_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(PLINTH_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

if(PLINTH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PLINTH_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Sanitizer runtimes live in the executable, so a module's references to them stay undefined
# until it is loaded: such builds cannot link modules with --no-undefined.
if(PLINTH_SANITIZE OR PLINTH_TSAN OR PLINTH_FUZZ)
  set(PLINTH_SANITIZED ON)
else()
  set(PLINTH_SANITIZED OFF)
endif()

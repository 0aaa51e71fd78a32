# Fails when docs/reference.md differs from `sgdcheck list --markdown` (regenerate with that command).
execute_process(COMMAND ${EXE} list --markdown OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sgdcheck list --markdown failed with ${rc}")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/reference.md is out of date: run `sgdcheck list --markdown > docs/reference.md`")
endif()

# Generates ${PROJECT_BINARY_DIR}/generated/api/service_models.inc (the botocore models the
# validator embeds) from the Python on PATH, which is where botocore lives.
find_program(WHARF_MODELS_PYTHON python3 REQUIRED)
execute_process(
  COMMAND ${WHARF_MODELS_PYTHON} -c "import botocore,os;print(os.path.dirname(botocore.__file__))"
  OUTPUT_VARIABLE wharf_botocore_dir OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
file(GLOB wharf_model_files ${wharf_botocore_dir}/data/ecs/*/service-2.json*
     ${wharf_botocore_dir}/data/stepfunctions/*/service-2.json* ${wharf_botocore_dir}/data/logs/*/service-2.json*)
set(wharf_models_inc ${PROJECT_BINARY_DIR}/generated/api/service_models.inc)
add_custom_command(
  OUTPUT ${wharf_models_inc}
  COMMAND ${WHARF_MODELS_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/gen_models.py --botocore ${wharf_botocore_dir}
          --out ${wharf_models_inc}
  DEPENDS ${PROJECT_SOURCE_DIR}/scripts/gen_models.py ${wharf_model_files}
  COMMENT "Generating service models from botocore")
add_custom_target(wharf_api_models DEPENDS ${wharf_models_inc})
add_dependencies(wharf_api wharf_api_models)

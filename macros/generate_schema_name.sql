{# Custom schemas land as-is (staging, marts, ...) rather than <target>_<schema>, so BI tools
   find the marts at a stable name whatever the target. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

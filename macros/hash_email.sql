{#
    hash_email(column)

    Pseudonymises an e-mail address so that no personal data passes staging while the
    hash still works as a join and distinct-count key: the SHA-256, as lowercase hex, of
    the salt followed by the address trimmed and lowercased. NULL or blank in, NULL out.

    The salt comes from the environment variable SALES_PII_SALT (default empty). Keep it
    out of the repository; changing it changes every hash. Use letters and digits only:
    a quote is escaped, but a backslash would read differently on Spark.
    The compiled SQL (target/, dbt's logs) holds the salt; the raw layer holds
    the clear-text addresses anyway, so the protection is for everything built from
    staging (marts, exports, BI), not for readers of the raw schema.

    Dispatched per engine: DuckDB (default) sha256(), PostgreSQL sha256() over the UTF-8
    bytes, Spark sha2(, 256): the same 64-character lowercase hex string on all three.
#}
{% macro hash_email(column) -%}
    case
        when nullif(trim({{ column }}), '') is null then null
        else {{ adapter.dispatch('hash_email')(salted_email(column)) }}
    end
{%- endmacro %}

{% macro salted_email(column) -%}
    concat({{ pii_salt_literal() }}, lower(trim({{ column }})))
{%- endmacro %}

{% macro pii_salt_literal() -%}
    '{{ env_var("SALES_PII_SALT", "") | replace("'", "''") }}'
{%- endmacro %}

{% macro default__hash_email(salted) -%}
    sha256({{ salted }})
{%- endmacro %}

{% macro postgres__hash_email(salted) -%}
    encode(sha256(convert_to({{ salted }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__hash_email(salted) -%}
    sha2({{ salted }}, 256)
{%- endmacro %}

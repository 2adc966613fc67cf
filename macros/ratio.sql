{#
    ratio(numerator, denominator, scale=6, numerator_type='decimal(38, 6)')

    numerator / denominator as the marts report a quotient: decimal(18, scale), rounded half
    away from zero, NULL when the denominator is 0 (or NULL). scale 6 for ratios, rates,
    shares, indexes and other quotients (metrics spec: "Ratios are decimal ... between 0 and
    1, null when the denominator is 0"); scale 2 for money per something (average deal size,
    pipeline per rep). One place for the portability rules of a division:
      * never int / int: the numerator is cast to `numerator_type` first, decimal(38, 6) by
        default (exact for counts and money). Pass type_double() for a double numerator
        (minutes) so it is not rounded to 6 decimals before dividing;
      * the divisor is guarded with nullif(denominator, 0);
      * DuckDB divides a decimal in double (PostgreSQL and Spark in exact decimals): the
        quotient is first cast to a working scale finer than the reported one and coarser
        than the double's noise, then rounded to `scale`, so a quotient exactly on a half of
        the last reported digit rounds the same way on all three engines. Working scale 6
        for money (1,274,294.20 / 8 = 159,286.775 -> 159,286.78), 12 for 6-decimal ratios:
        41 / 640 = 0.0640625 is 0.06406249999999999 in double, which a working scale of 6
        would round down to 0.064062 where PostgreSQL and Spark give 0.064063. (Measured on
        DuckDB over every x / y with y <= 2000: scale 6 misrounds 9 of 2,003,000 such
        ratios, scale 12 none; scale 10 misrounds 71 of 1,800,000 with y near 10,000, where
        scale 12 again gets all right.)

    growth(current, base)

    current / base - 1 as decimal(18, 6) (0.5 = +50 %), NULL when base is 0: the quotient as
    in ratio(), 1 subtracted before the final rounding.

    decimal_quotient(numerator, denominator, working_scale, numerator_type='decimal(38, 6)')

    The common step: numerator / nullif(denominator, 0) as decimal(38, working_scale).
#}
{% macro ratio(numerator, denominator, scale=6, numerator_type='decimal(38, 6)') -%}
    cast(
        round({{ decimal_quotient(numerator, denominator, ratio_working_scale(scale), numerator_type) }}, {{ scale }})
        as decimal(18, {{ scale }})
    )
{%- endmacro %}

{% macro growth(current, base) -%}
    cast(
        round({{ decimal_quotient(current, base, ratio_working_scale(6)) }} - 1, 6)
        as decimal(18, 6)
    )
{%- endmacro %}

{% macro ratio_working_scale(scale) -%}
    {{ return(6 if scale <= 2 else 12) }}
{%- endmacro %}

{% macro decimal_quotient(numerator, denominator, working_scale, numerator_type='decimal(38, 6)') -%}
    cast(cast({{ numerator }} as {{ numerator_type }}) / nullif({{ denominator }}, 0) as decimal(38, {{ working_scale }}))
{%- endmacro %}

"""Which units may lead a problem of each category, and the units of each district by kind."""

# category → candidate lead units: district-level kinds and city unit keys, with weights
LEADS = {
    "water": ([("eco", 4), ("agri", 1.5), ("urban", 1.5), ("town", 3)], [("eco", 4), ("water", 4), ("agri", 2)]),
    "air": ([("eco", 4), ("housing", 2), ("urban", 2), ("town", 2)],
            [("eco", 4), ("housing", 2), ("transport", 1), ("urban", 2)]),
    "solid_waste": ([("urban", 3.5), ("eco", 3), ("housing", 1), ("town", 2.5)],
                    [("urban", 4), ("eco", 3), ("housing", 1), ("env_group", 1)]),
    "noise": ([("eco", 3.5), ("housing", 2.5), ("urban", 2), ("town", 2)],
              [("eco", 3), ("housing", 2), ("transport", 1), ("police", 1)]),
    "soil": ([("eco", 5), ("agri", 3), ("town", 2)], [("eco", 4), ("land", 3), ("agri", 2)]),
    "ecology": ([("agri", 3), ("town", 4), ("eco", 3)], [("land", 3), ("forest", 3), ("water", 2), ("agri", 2)]),
    "duty": ([("eco", 2), ("housing", 2), ("urban", 2), ("agri", 2), ("town", 2), ("gov", 1)],
             [("eco", 2), ("water", 2), ("land", 2), ("housing", 2), ("urban", 2), ("agri", 1), ("market", 1)]),
    "approval": ([("housing", 4), ("eco", 3), ("gov", 1)],
                 [("land", 3), ("ndrc", 3), ("housing", 2), ("eco", 2), ("gov_service", 1)]),
    "consult": ([("eco", 5), ("urban", 3), ("housing", 2)], [("eco", 1)]),
}


def units_by_kind(city) -> dict[int, dict]:
    """District index -> {bureau kind or "gov": unit}."""
    return {d.index: {**d.bureaus, "gov": d.government} for d in city.districts}

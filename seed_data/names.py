"""Synthetic Russian names with their Latin spellings; no name here belongs to a case."""

from __future__ import annotations

import random
from typing import NamedTuple

# (Cyrillic, Latin) pairs. Surnames are given in their masculine form.
MALE_FIRST = [
    ("Алексей", "Aleksei"),
    ("Андрей", "Andrei"),
    ("Артём", "Artyom"),
    ("Борис", "Boris"),
    ("Вадим", "Vadim"),
    ("Виктор", "Viktor"),
    ("Владимир", "Vladimir"),
    ("Глеб", "Gleb"),
    ("Григорий", "Grigory"),
    ("Денис", "Denis"),
    ("Дмитрий", "Dmitry"),
    ("Егор", "Yegor"),
    ("Евгений", "Yevgeny"),
    ("Иван", "Ivan"),
    ("Игорь", "Igor"),
    ("Илья", "Ilya"),
    ("Кирилл", "Kirill"),
    ("Константин", "Konstantin"),
    ("Максим", "Maksim"),
    ("Михаил", "Mikhail"),
    ("Никита", "Nikita"),
    ("Олег", "Oleg"),
    ("Павел", "Pavel"),
    ("Роман", "Roman"),
    ("Сергей", "Sergei"),
    ("Степан", "Stepan"),
    ("Тимур", "Timur"),
    ("Фёдор", "Fyodor"),
    ("Юрий", "Yury"),
    ("Ярослав", "Yaroslav"),
]
FEMALE_FIRST = [
    ("Анастасия", "Anastasia"),
    ("Анна", "Anna"),
    ("Дарья", "Darya"),
    ("Екатерина", "Yekaterina"),
    ("Елена", "Yelena"),
    ("Ирина", "Irina"),
    ("Ксения", "Ksenia"),
    ("Мария", "Maria"),
    ("Наталья", "Natalya"),
    ("Ольга", "Olga"),
    ("Полина", "Polina"),
    ("Светлана", "Svetlana"),
    ("Татьяна", "Tatyana"),
    ("Юлия", "Yulia"),
    ("Алёна", "Alyona"),
    ("Вера", "Vera"),
]
SURNAMES = [
    ("Абрамов", "Abramov"),
    ("Белов", "Belov"),
    ("Волков", "Volkov"),
    ("Воронин", "Voronin"),
    ("Гаврилов", "Gavrilov"),
    ("Голубев", "Golubev"),
    ("Денисов", "Denisov"),
    ("Егоров", "Yegorov"),
    ("Жуков", "Zhukov"),
    ("Зайцев", "Zaitsev"),
    ("Ильин", "Ilyin"),
    ("Казаков", "Kazakov"),
    ("Киселёв", "Kiselyov"),
    ("Козлов", "Kozlov"),
    ("Комаров", "Komarov"),
    ("Лебедев", "Lebedev"),
    ("Макаров", "Makarov"),
    ("Медведев", "Medvedev"),
    ("Морозов", "Morozov"),
    ("Никитин", "Nikitin"),
    ("Новиков", "Novikov"),
    ("Орлов", "Orlov"),
    ("Павлов", "Pavlov"),
    ("Попов", "Popov"),
    ("Романов", "Romanov"),
    ("Семёнов", "Semyonov"),
    ("Соколов", "Sokolov"),
    ("Степанов", "Stepanov"),
    ("Тарасов", "Tarasov"),
    ("Фёдоров", "Fyodorov"),
    ("Филиппов", "Filippov"),
    ("Широков", "Shirokov"),
    ("Щербаков", "Shcherbakov"),
    ("Яковлев", "Yakovlev"),
    ("Чернов", "Chernov"),
    ("Быстров", "Bystrov"),
]
PATRONYMIC_ROOTS = [
    ("Алексеев", "Alekseyev"),
    ("Андреев", "Andreyev"),
    ("Борисов", "Borisov"),
    ("Викторов", "Viktorov"),
    ("Владимиров", "Vladimirov"),
    ("Дмитриев", "Dmitriyev"),
    ("Иванов", "Ivanov"),
    ("Михайлов", "Mikhailov"),
    ("Николаев", "Nikolayev"),
    ("Петров", "Petrov"),
    ("Сергеев", "Sergeyev"),
    ("Юрьев", "Yuryev"),
]

# Alternative Latin renderings found in passports and press (BGN vs. ICAO and French forms).
ALTERNATIVE_LATIN = {
    "Yevgeny": "Evgenii",
    "Dmitry": "Dmitrii",
    "Sergei": "Sergey",
    "Yury": "Iurii",
    "Aleksei": "Alexey",
    "Yekaterina": "Ekaterina",
    "Yelena": "Elena",
    "Darya": "Daria",
    "Natalya": "Natalia",
    "Maksim": "Maxim",
    "Yegor": "Egor",
    "Fyodor": "Fedor",
}
FEMALE_SHARE = 0.22


class SyntheticName(NamedTuple):
    """A fictional person's name: the full Cyrillic form (surname, first name, patronymic),
    the Latin form (first name, surname) and another Latin spelling where one is common."""

    full_name: str
    name_cyrillic: str
    name_latin: str
    other_spellings: str | None


def _patronymic(root: str, *, female: bool) -> str:
    if female:
        return root[:-2] + ("евна" if root.endswith("ев") else "овна")
    return root[:-2] + ("евич" if root.endswith("ев") else "ович")


# Built once: the generator draws a name per case, 100,000 times for the largest demo.
_PATRONYMICS = {
    female: [_patronymic(root, female=female) for root, _ in PATRONYMIC_ROOTS]
    for female in (False, True)
}
_SURNAMES = {
    False: SURNAMES,
    True: [(ru + "а", en + "a") for ru, en in SURNAMES],
}


def synthetic_person(rng: random.Random) -> SyntheticName:
    """A fictional name in Cyrillic and Latin, with another Latin spelling where one exists."""
    female = rng.random() < FEMALE_SHARE
    firsts = FEMALE_FIRST if female else MALE_FIRST
    surnames = _SURNAMES[female]
    patronymics = _PATRONYMICS[female]
    first_ru, first_en = firsts[int(rng.random() * len(firsts))]
    last_ru, last_en = surnames[int(rng.random() * len(surnames))]
    patronymic = patronymics[int(rng.random() * len(patronymics))]
    cyrillic = f"{last_ru} {first_ru} {patronymic}"
    alternative = ALTERNATIVE_LATIN.get(first_en)
    return SyntheticName(
        full_name=cyrillic,
        name_cyrillic=cyrillic,
        name_latin=f"{first_en} {last_en}",
        other_spellings=f"{alternative} {last_en}" if alternative else None,
    )

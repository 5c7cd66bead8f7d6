"""Synthetic Russian names with their Latin spellings; no name here belongs to a case."""

from __future__ import annotations

import random

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


def synthetic_person(rng: random.Random) -> dict[str, str]:
    """A fictional name in Cyrillic and Latin, with another Latin spelling where one exists."""
    female = rng.random() < 0.22
    first_ru, first_en = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    last_ru, last_en = rng.choice(SURNAMES)
    root_ru, root_en = rng.choice(PATRONYMIC_ROOTS)
    if female:
        last_ru, last_en = last_ru + "а", last_en + "a"
        patronymic = root_ru[:-2] + ("евна" if root_ru.endswith("ев") else "овна")
    else:
        patronymic = root_ru[:-2] + ("евич" if root_ru.endswith("ев") else "ович")
    cyrillic = f"{last_ru} {first_ru} {patronymic}"
    latin = f"{first_en} {last_en}"
    alternative = ALTERNATIVE_LATIN.get(first_en)
    return {
        "full_name": cyrillic,
        "name_cyrillic": cyrillic,
        "name_latin": latin,
        "other_spellings": f"{alternative} {last_en}" if alternative else None,
    }

"""factory-boy factories; create them inside ``in_commune(...)`` for commune users."""

import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.ch")
    first_name = factory.Faker("first_name", locale="de_CH")
    last_name = factory.Faker("last_name", locale="de_CH")
    role = User.Role.RESIDENT
    password = factory.PostGenerationMethodCall("set_password", "Sicheres-Passwort-2026")

    class Params:
        clerk = factory.Trait(role=User.Role.CLERK)
        admin = factory.Trait(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
        canton = factory.Trait(role=User.Role.CANTON, is_staff=True, is_superuser=True)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

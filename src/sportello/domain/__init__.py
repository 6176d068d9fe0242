"""Pure domain: phone numbers, ticket rules, value types. No Qt, no I/O."""

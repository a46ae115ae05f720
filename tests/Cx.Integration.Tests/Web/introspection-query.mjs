// Prints graphql-js's standard introspection query, the one GraphiQL sends for its schema.
import { getIntrospectionQuery } from 'graphql';

process.stdout.write(getIntrospectionQuery());

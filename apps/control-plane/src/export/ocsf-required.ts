// What OCSF requires of each class the export uses, for the tests (and anyone checking an
// export): the attribute paths marked "required" and the "at_least_one" constraints, from
// the schema's class and object files (github.com/ocsf/ocsf-schema, cross-checked against
// the 1.x reference pages). Where a requirement changed between 1.x versions the stricter
// one is kept (product.vendor_name was required up to 1.5; user_access.privileges was
// required in the early 1.x releases), so an event that passes here is valid across 1.x.

/** Required by the base event of every class (events/base_event.json, objects/metadata.json). */
const BASE_REQUIRED = [
  "activity_id",
  "category_uid",
  "class_uid",
  "type_uid",
  "time",
  "severity_id",
  "metadata",
  "metadata.version",
  "metadata.product",
  "metadata.product.name",
  "metadata.product.vendor_name",
] as const;

interface ClassRequirements {
  caption: string;
  /** Required attribute paths. */
  required: readonly string[];
  /** Groups of which at least one attribute must be present (the class's constraints). */
  atLeastOne: ReadonlyArray<readonly string[]>;
}

/** Per class: events/iam/authentication.json, events/iam/user_access.json, events/application/{api,datastore}_activity.json. */
export const OCSF_CLASS_REQUIREMENTS: Readonly<Record<number, ClassRequirements>> = {
  3002: {
    caption: "Authentication",
    required: ["user"],
    atLeastOne: [["service", "dst_endpoint"]],
  },
  3005: {
    caption: "User Access Management",
    required: ["user", "privileges"],
    atLeastOne: [],
  },
  6003: {
    caption: "API Activity",
    required: ["actor", "api", "src_endpoint"],
    atLeastOne: [],
  },
  6005: {
    caption: "Datastore Activity",
    required: ["actor", "src_endpoint"],
    atLeastOne: [["database", "databucket", "table"]],
  },
};

/** Objects' own rules, checked wherever the object appears (objects/*.json). */
const OBJECT_RULES: ReadonlyArray<{
  /** Paths at which the object may appear. */
  at: readonly string[];
  required: readonly string[];
  atLeastOne: ReadonlyArray<readonly string[]>;
}> = [
  // objects/user.json
  { at: ["user", "actor.user"], required: [], atLeastOne: [["account", "name", "uid"]] },
  // objects/network_endpoint.json
  {
    at: ["src_endpoint", "dst_endpoint"],
    required: [],
    atLeastOne: [
      [
        "ip",
        "uid",
        "name",
        "hostname",
        "svc_name",
        "instance_uid",
        "interface_uid",
        "interface_name",
      ],
    ],
  },
  // objects/api.json
  { at: ["api"], required: ["operation"], atLeastOne: [] },
  // objects/database.json (type_id required since 1.1)
  { at: ["database"], required: ["type_id"], atLeastOne: [] },
  // objects/query_info.json
  { at: ["query_info"], required: ["query_string"], atLeastOne: [["name", "uid"]] },
  // objects/policy.json (an _entity: a name or a uid)
  { at: ["policy"], required: [], atLeastOne: [["name", "uid"]] },
  // objects/product.json (1.6+: a name or a uid)
  { at: ["metadata.product"], required: [], atLeastOne: [["name", "uid"]] },
];

function get(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/**
 * The required attributes (paths) the event lacks, and the unmet "at least one of"
 * constraints; [] when it is a valid event of its class as far as requirements go.
 */
export function missingRequired(event: unknown): string[] {
  const missing: string[] = BASE_REQUIRED.filter((path) => !present(get(event, path)));
  const classUid = get(event, "class_uid");
  const cls = typeof classUid === "number" ? OCSF_CLASS_REQUIREMENTS[classUid] : undefined;
  if (cls === undefined) {
    if (present(classUid)) missing.push(`class_uid (${String(classUid)} is not a class used here)`);
    return missing;
  }
  for (const path of cls.required) if (!present(get(event, path))) missing.push(path);
  for (const group of cls.atLeastOne) {
    if (!group.some((path) => present(get(event, path))))
      missing.push(`one of ${group.join(", ")}`);
  }
  for (const rule of OBJECT_RULES) {
    for (const at of rule.at) {
      const object = get(event, at);
      if (!present(object)) continue;
      for (const path of rule.required)
        if (!present(get(object, path))) missing.push(`${at}.${path}`);
      for (const group of rule.atLeastOne) {
        if (!group.some((path) => present(get(object, path))))
          missing.push(`${at}: one of ${group.join(", ")}`);
      }
    }
  }
  return missing;
}

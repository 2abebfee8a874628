import type { StatementKind } from "./kinds";

// The kind of a statement node, by its parse-tree type.

const BY_TYPE: Readonly<Record<string, StatementKind>> = {
  SelectStmt: "select",
  InsertStmt: "insert",
  UpdateStmt: "update",
  DeleteStmt: "delete",
  MergeStmt: "merge",
  TruncateStmt: "truncate",
  CopyStmt: "copy",
  DefineStmt: "create",
  ViewStmt: "create",
  IndexStmt: "create",
  RuleStmt: "create",
  CompositeTypeStmt: "create",
  ImportForeignSchemaStmt: "create",
  CreateTableAsStmt: "create",
  RenameStmt: "alter",
  ReassignOwnedStmt: "alter",
  SecLabelStmt: "alter",
  DropStmt: "drop",
  DropOwnedStmt: "drop",
  DropRoleStmt: "drop",
  DropdbStmt: "drop",
  DropTableSpaceStmt: "drop",
  DropUserMappingStmt: "drop",
  DropSubscriptionStmt: "drop",
  CommentStmt: "comment",
  TransactionStmt: "transaction",
  ConstraintsSetStmt: "set",
  VariableShowStmt: "show",
  CallStmt: "call",
  DoStmt: "do",
  ExplainStmt: "explain",
  VacuumStmt: "maintenance",
  ClusterStmt: "maintenance",
  ReindexStmt: "maintenance",
  RefreshMatViewStmt: "maintenance",
  ListenStmt: "listen",
  NotifyStmt: "notify",
  UnlistenStmt: "unlisten",
  PrepareStmt: "prepare",
  ExecuteStmt: "execute",
  DeallocateStmt: "deallocate",
  LockStmt: "lock",
  DiscardStmt: "discard",
  FetchStmt: "fetch",
  DeclareCursorStmt: "declare",
  ClosePortalStmt: "close",
  CheckPointStmt: "checkpoint",
  LoadStmt: "load",
};

type Body = Record<string, unknown>;

/** The kind of a top-level statement node `{ [type]: body }`. */
export function classifyStatement(type: string, body: Body): StatementKind {
  switch (type) {
    case "SelectStmt":
      return body.intoClause === undefined ? "select" : "create";
    case "GrantStmt":
    case "GrantRoleStmt":
      return body.is_grant === true ? "grant" : "revoke";
    case "AlterDefaultPrivilegesStmt": {
      const action = body.action as Body | undefined;
      return action?.is_grant === true ? "grant" : "revoke";
    }
    case "VariableSetStmt":
      return body.kind === "VAR_RESET" || body.kind === "VAR_RESET_ALL" ? "reset" : "set";
    default:
      break;
  }
  const known = BY_TYPE[type];
  if (known !== undefined) return known;
  if (type.startsWith("Create")) return "create";
  if (type.startsWith("Alter")) return "alter";
  if (type.startsWith("Drop")) return "drop";
  return "other";
}

/** Data-modifying statement types, whose kinds count wherever they are nested. */
export const DML_KINDS: Readonly<Record<string, StatementKind>> = {
  InsertStmt: "insert",
  UpdateStmt: "update",
  DeleteStmt: "delete",
  MergeStmt: "merge",
};

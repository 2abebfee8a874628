/** SQLSTATE codes the gateway uses in the ErrorResponse and NoticeResponse it writes. */
export const SqlState = {
  successfulCompletion: "00000",
  warning: "01000",
  connectionException: "08000",
  connectionFailure: "08006",
  sqlclientUnableToEstablishSqlconnection: "08001",
  protocolViolation: "08P01",
  featureNotSupported: "0A000",
  invalidParameterValue: "22023",
  invalidAuthorizationSpecification: "28000",
  invalidPassword: "28P01",
  insufficientPrivilege: "42501",
  syntaxError: "42601",
  programLimitExceeded: "54000",
  tooManyConnections: "53300",
  queryCanceled: "57014",
  adminShutdown: "57P01",
  cannotConnectNow: "57P03",
  systemError: "58000",
  internalError: "XX000",
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];
